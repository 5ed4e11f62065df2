/**
 * The signed-in tenant's lotteries, over the lottery domain (src/lottery/): every call is scoped to
 * the tenant (another tenant's lottery is `lottery_not_found`, exactly like an unknown id), the
 * domain's {@link LotteryError} codes become {@link ApiError}s of the catalogue, and each change is
 * recorded in `audit_events` in the same transaction. The rules themselves live in the domain.
 *
 * The draw proof is the one public read: it is looked up by lottery id alone.
 */

import { auditRepository, tenantActor } from '../../db/repositories/audit.ts';
import type { Sql } from '../../db/sql.ts';
import type { DrawProof } from '../../lottery/fairness/index.ts';
import {
  allEntries,
  type ChatView,
  cancelLottery,
  createLottery,
  type DrawDeps,
  deleteLottery,
  drawNow,
  type EntryPage,
  type EntryView,
  editLottery,
  findLottery,
  LotteryError,
  type LotteryErrorCode,
  type LotteryPatch,
  type LotteryRecord,
  type LotteryServiceDeps,
  listChats,
  listEntries,
  listLotteries,
  listWinners,
  loadProof,
  type MembershipCheck,
  publishLottery,
  type RerollRequest,
  rerollWinners,
  type SeedCipher,
  type WinnerView,
} from '../../lottery/index.ts';
import type { LotteryStatus } from '../../lottery/model.ts';
import { ApiError, type ErrorCode } from '../errors.ts';
import { createHeavyLimiter, type HeavyLimiter, type Release } from '../heavy-limit.ts';
import { createProofCache, type ProofBody, type ProofCache, type ProofStamp } from '../proof-cache.ts';

export interface LotteryServiceOptions {
  sql: Sql;
  /** The seed cipher (`createSeedCipher(appSecret)`), shared with the supervisor. */
  seedCipher: SeedCipher;
  /** The tenant's getChatMember for the draw's winning conditions (null: none can be made). */
  membershipFor?: (tenantId: number) => Promise<MembershipCheck | null>;
  /** The public URL of a lottery's proof page, or null when the panel's public URL is unknown. */
  proofUrl: ((lotteryId: number) => string) | null;
  /** The clock (ms), for tests. */
  now?: () => number;
  /** Slots for heavy requests (search, export, proof build) per tenant; default {@link createHeavyLimiter}(). */
  heavy?: HeavyLimiter;
  /** Statement timeout of an entry search and of each export batch in ms, default 3 000. */
  searchTimeoutMs?: number;
}

function proofNotFound(): ApiError {
  return new ApiError(
    'proof_not_found',
    'There is no draw proof for this lottery: it has not been drawn yet, or it does not exist.',
  );
}

/** Which catalogue code each domain code answers with. */
const API_CODES: Record<LotteryErrorCode, ErrorCode> = {
  lottery_not_found: 'lottery_not_found',
  lottery_not_draft: 'lottery_not_draft',
  lottery_not_editable: 'lottery_not_editable',
  lottery_change_not_allowed: 'lottery_change_not_allowed',
  lottery_not_open: 'lottery_not_open',
  lottery_not_cancellable: 'lottery_not_cancellable',
  lottery_not_drawn: 'lottery_not_drawn',
  winner_not_active: 'winner_not_active',
  chat_not_admin: 'chat_not_admin',
  draw_time_past: 'draw_time_past',
  bot_not_configured: 'bot_not_configured',
  proof_not_found: 'proof_not_found',
  invalid_lottery: 'validation_failed',
};

/**
 * A domain field path in the API's names: each key in snake_case (`drawTrigger` → `draw_trigger`, as every
 * field of docs/api-lotteries.md is named), array indexes as they are, joined with dots.
 */
export function apiFieldPath(path: readonly (string | number)[]): string {
  return path
    .map((key) =>
      typeof key === 'number' ? String(key) : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
    )
    .join('.');
}

/** A domain error as the API's error (its code through API_CODES); anything else is rethrown as it is. */
export function lotteryApiError(err: unknown): unknown {
  if (!(err instanceof LotteryError)) return err;
  if (err.code === 'invalid_lottery') {
    const field = apiFieldPath(err.path) || 'lottery';
    return new ApiError('validation_failed', `Invalid request: ${field}: ${err.message}.`);
  }
  return new ApiError(API_CODES[err.code], err.message);
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw lotteryApiError(err);
  }
}

const notFound = () => new ApiError('lottery_not_found', 'No lottery with this id.');

export class LotteryService {
  private readonly heavy: HeavyLimiter;
  private readonly proofs: ProofCache;

  constructor(private readonly options: LotteryServiceOptions) {
    this.heavy = options.heavy ?? createHeavyLimiter();
    this.proofs = createProofCache(options.sql);
  }

  /** The tenant's lotteries, newest first (at most 500), optionally of one status. */
  list(tenantId: number, status?: LotteryStatus): Promise<LotteryRecord[]> {
    return listLotteries(this.options.sql, tenantId, status);
  }

  /** One lottery. @throws ApiError lottery_not_found */
  async get(tenantId: number, id: number): Promise<LotteryRecord> {
    const lottery = await findLottery(this.options.sql, tenantId, id);
    if (!lottery) throw notFound();
    return lottery;
  }

  /** Creates a draft. @throws ApiError chat_not_admin, draw_time_past, validation_failed */
  create(tenantId: number, input: LotteryPatch): Promise<LotteryRecord> {
    return this.audited(tenantId, 'lottery.created', async (deps) => {
      const lottery = await createLottery(deps, tenantId, input);
      return { result: lottery, lotteryId: lottery.id };
    });
  }

  /**
   * Edits a draft (anything) or an open lottery (easier or later only).
   * @throws ApiError lottery_not_found, lottery_not_editable, lottery_change_not_allowed, chat_not_admin,
   *   draw_time_past, validation_failed
   */
  update(tenantId: number, id: number, patch: LotteryPatch): Promise<LotteryRecord> {
    return this.audited(tenantId, 'lottery.edited', async (deps) => ({
      result: await editLottery(deps, tenantId, id, patch),
      lotteryId: id,
      detail: { fields: Object.keys(patch).map((key) => apiFieldPath([key])) },
    }));
  }

  /** Deletes a draft. @throws ApiError lottery_not_found, lottery_not_draft */
  async remove(tenantId: number, id: number): Promise<void> {
    await this.audited(tenantId, 'lottery.deleted', async (deps) => {
      await deleteLottery(deps, tenantId, id);
      return { result: undefined, lotteryId: id };
    });
  }

  /**
   * Publishes a draft (seed, commitment, posts queued).
   * @throws ApiError lottery_not_found, lottery_not_draft, bot_not_configured, chat_not_admin, draw_time_past
   */
  publish(tenantId: number, id: number): Promise<LotteryRecord> {
    return this.audited(tenantId, 'lottery.published', async (deps) => ({
      result: await publishLottery(deps, tenantId, id),
      lotteryId: id,
    }));
  }

  /** Cancels a draft or an open lottery. @throws ApiError lottery_not_found, lottery_not_cancellable */
  cancel(tenantId: number, id: number): Promise<LotteryRecord> {
    return this.audited(tenantId, 'lottery.cancelled', async (deps) => ({
      result: await cancelLottery(deps, tenantId, id),
      lotteryId: id,
    }));
  }

  /** Draws an open lottery now, exactly once. @throws ApiError lottery_not_found, lottery_not_open */
  draw(tenantId: number, id: number): Promise<LotteryRecord> {
    return this.audited(tenantId, 'lottery.drawn', async (deps) => {
      const { proofUrl, membershipFor } = this.options;
      const drawDeps: DrawDeps = {
        sql: deps.sql,
        seedCipher: deps.seedCipher,
        proofUrl: (lotteryId) => proofUrl?.(lotteryId) ?? null,
        ...(membershipFor ? { membershipFor } : {}),
      };
      const { lottery, proof } = await drawNow(drawDeps, tenantId, id);
      return {
        result: lottery,
        lotteryId: id,
        detail: { entries: proof.entryCount, winners: proof.winners.length },
      };
    });
  }

  /**
   * Replaces winners of a drawn lottery; resolves with its winners afterwards.
   * @throws ApiError lottery_not_found, lottery_not_drawn, winner_not_active, validation_failed
   */
  reroll(tenantId: number, id: number, request: RerollRequest): Promise<WinnerView[]> {
    return this.audited(tenantId, 'lottery.rerolled', async (deps) => {
      await rerollWinners(deps.sql, tenantId, id, request);
      return {
        result: await listWinners(deps.sql, id),
        lotteryId: id,
        detail: { winner_ids: request.winnerIds, reason: request.reason },
      };
    });
  }

  /**
   * One page of entries. A search (`query`) is heavy: it waits for one of the tenant's heavy slots and
   * runs under the search statement timeout.
   * @throws ApiError lottery_not_found; rate_limited when the tenant's heavy queue is full; the
   *   database's 57014 when the search runs over its timeout (answered 503 query_timeout)
   */
  async entries(
    tenantId: number,
    id: number,
    options: { query?: string; cursor?: string; limit?: number },
  ): Promise<EntryPage> {
    await this.get(tenantId, id);
    const timeout = this.options.searchTimeoutMs;
    const read = () =>
      listEntries(this.options.sql, id, {
        ...options,
        ...(timeout !== undefined ? { timeoutMs: timeout } : {}),
      });
    return options.query?.trim() ? this.heavy.run(tenantId, read) : read();
  }

  /**
   * Every entry in join order, in batches, for the CSV export, with the heavy slot it holds: the caller
   * releases it when the download ends (or fails). The lottery is checked before this resolves, so a 404
   * is answered before anything is streamed.
   * @throws ApiError lottery_not_found; rate_limited when the tenant's heavy queue is full
   */
  async entriesForExport(
    tenantId: number,
    id: number,
  ): Promise<{ batches: AsyncGenerator<EntryView[]>; release: Release }> {
    await this.get(tenantId, id);
    const release = await this.heavy.acquire(tenantId);
    return { batches: allEntries(this.options.sql, id, 1000, this.options.searchTimeoutMs), release };
  }

  /** The winners by position, replaced ones included. @throws ApiError lottery_not_found */
  async winners(tenantId: number, id: number): Promise<WinnerView[]> {
    await this.get(tenantId, id);
    return listWinners(this.options.sql, id);
  }

  /**
   * The fingerprint (ETag) of any tenant's draw proof: one small query, no entry read.
   * @throws ApiError proof_not_found
   */
  async proofStamp(id: number): Promise<ProofStamp> {
    const stamp = await this.proofs.stamp(id);
    if (!stamp) throw proofNotFound();
    return stamp;
  }

  /**
   * The public draw proof's bytes (JSON and gzip), cached per fingerprint; a build takes one of the
   * lottery's tenant's heavy slots. @throws ApiError proof_not_found; rate_limited
   */
  async proofBody(id: number, stamp: ProofStamp): Promise<ProofBody> {
    const body = await this.proofs.body(id, stamp, () =>
      this.heavy.run(stamp.tenantId, () => loadProof(this.options.sql, id)),
    );
    if (!body) throw proofNotFound();
    return body;
  }

  /** The public draw proof of any tenant's lottery, as a document. @throws ApiError proof_not_found */
  async proof(id: number): Promise<DrawProof> {
    const proof = await loadProof(this.options.sql, id);
    if (!proof) throw proofNotFound();
    return proof;
  }

  /** The chats the tenant's bot is or was in, admin chats first. */
  chats(tenantId: number): Promise<ChatView[]> {
    return listChats(this.options.sql, tenantId);
  }

  /**
   * Runs a domain change and its audit event in one transaction, with the domain's errors mapped.
   * `work` gets the domain's dependencies bound to that transaction.
   */
  private audited<T>(
    tenantId: number,
    action: string,
    work: (deps: LotteryServiceDeps) => Promise<{ result: T; lotteryId: number; detail?: object }>,
  ): Promise<T> {
    const { sql, seedCipher, now } = this.options;
    return mapped(() =>
      sql.transaction(async (tx) => {
        const done = await work({ sql: tx, seedCipher, ...(now ? { now } : {}) });
        await auditRepository.record(tx, {
          tenantId,
          actor: tenantActor(tenantId),
          action,
          subject: `lottery:${done.lotteryId}`,
          ...(done.detail ? { detail: { ...done.detail } } : {}),
        });
        return done.result;
      }),
    );
  }
}
