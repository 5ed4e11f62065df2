/**
 * The signed-in tenant's lotteries, over the lottery domain (src/lottery/): every call is scoped to
 * the tenant (another tenant's lottery is `lottery_not_found`, exactly like an unknown id), the
 * domain's {@link LotteryError} codes become {@link ApiError}s of the catalogue, and each change is
 * recorded in `audit_events` in the same transaction. The rules themselves live in the domain.
 *
 * The draw proof is the one public read: it is looked up by lottery id alone.
 */
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
import { auditRepository, tenantActor } from '../repositories/audit.ts';

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

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A domain error as the API's error; anything else is rethrown as it is. */
export function lotteryApiError(err: unknown): unknown {
  if (!(err instanceof LotteryError)) return err;
  if (err.code === 'invalid_lottery') {
    // The domain names fields in camelCase (`drawTrigger.at: …`); the API's fields are snake_case.
    const message = err.message.replace(/^[A-Za-z0-9_.]+(?=:)/, snake);
    return new ApiError('validation_failed', `Invalid request: ${message}.`);
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
  constructor(private readonly options: LotteryServiceOptions) {}

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
      detail: { fields: Object.keys(patch).map(snake) },
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

  /** One page of entries. @throws ApiError lottery_not_found */
  async entries(
    tenantId: number,
    id: number,
    options: { query?: string; cursor?: string; limit?: number },
  ): Promise<EntryPage> {
    await this.get(tenantId, id);
    return listEntries(this.options.sql, id, options);
  }

  /**
   * Every entry in join order, in batches, for the CSV export. The lottery is checked before this
   * resolves, so a 404 is answered before anything is streamed. @throws ApiError lottery_not_found
   */
  async entriesForExport(tenantId: number, id: number): Promise<AsyncGenerator<EntryView[]>> {
    await this.get(tenantId, id);
    return allEntries(this.options.sql, id);
  }

  /** The winners by position, replaced ones included. @throws ApiError lottery_not_found */
  async winners(tenantId: number, id: number): Promise<WinnerView[]> {
    await this.get(tenantId, id);
    return listWinners(this.options.sql, id);
  }

  /** The public draw proof of any tenant's lottery. @throws ApiError proof_not_found */
  async proof(id: number): Promise<DrawProof> {
    const proof = await loadProof(this.options.sql, id);
    if (!proof) {
      throw new ApiError(
        'proof_not_found',
        'There is no draw proof for this lottery: it has not been drawn yet, or it does not exist.',
      );
    }
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
