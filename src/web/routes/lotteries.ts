/**
 * The lottery routes (docs/api-lotteries.md): `GET|POST /api/lotteries`, `GET|PATCH|DELETE
 * /api/lotteries/:id`, `POST …/publish|cancel|draw|reroll`, `GET …/entries`, `GET …/entries.csv`,
 * `GET …/winners`, all for the signed-in tenant; and `GET …/proof`, public (no session, no CSRF: anyone
 * may verify a draw), limited like every route by the global per-address rate limit.
 */
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EntryView } from '../../lottery/index.ts';
import { type Guard, signedIn } from '../auth/guard.ts';
import { etagMatches } from '../proof-cache.ts';
import { errorResponses, noContent, SIGNED_IN } from '../schemas/common.ts';
import {
  createLotteryBody,
  entryListQuery,
  lotteryIdParams,
  lotteryListQuery,
  lotteryListView,
  lotteryView,
  patchLotteryBody,
  rerollBody,
  toLotteryPatch,
  toLotteryView,
} from '../schemas/lotteries.ts';
import {
  entryPageView,
  proofView,
  toEntryView,
  toWinnerView,
  winnerListView,
} from '../schemas/lottery-reads.ts';
import type { LotteryService } from '../services/lottery-service.ts';

export interface LotteryRoutesOptions {
  lotteries: LotteryService;
  guard: Guard;
}

const security = [{ session: [], csrf: [] }];
const tags = ['lotteries'];

/** The CSV export's columns, in order. */
export const CSV_COLUMNS = [
  'entry_id',
  'user_id',
  'first_name',
  'last_name',
  'username',
  'source',
  'joined_at',
] as const;

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) gets a
 * leading `'` (OWASP "CSV injection"); names are free text chosen by Telegram users.
 */
export function safeCell(text: string | null): string {
  if (text === null) return '';
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function csvRecord(e: EntryView): string[] {
  return [
    String(e.id),
    String(e.userId),
    safeCell(e.firstName),
    safeCell(e.lastName),
    safeCell(e.username),
    e.source,
    e.joinedAt.toISOString(),
  ];
}

/**
 * Caching of the public proof: anyone may keep it for a minute, then must revalidate with its ETag (a
 * reroll changes the proof, so it is not immutable).
 */
export const PROOF_CACHE_CONTROL = 'public, max-age=60, must-revalidate';

/** Whether an `Accept-Encoding` header accepts gzip (and does not refuse it with `q=0`). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== 'gzip' && name !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export const lotteryRoutes: FastifyPluginAsyncZod<LotteryRoutesOptions> = async (
  app,
  { lotteries, guard },
) => {
  app.get(
    '/:id/proof',
    {
      schema: {
        tags,
        summary: 'The draw proof (public: no session needed); re-run the draw offline with it',
        description:
          'See docs/fairness.md. 404 proof_not_found before the draw. Gzip-compressed for clients that ' +
          'accept it; a strong ETag, so If-None-Match answers 304; Cache-Control: public, max-age=60.',
        security: [],
        params: lotteryIdParams,
        response: {
          200: proofView,
          304: z.null().describe('Not modified (If-None-Match)'),
          ...errorResponses(404),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const stamp = await lotteries.proofStamp(id);
      const gzip = acceptsGzip(request.headers['accept-encoding']);
      const etag = gzip ? `${stamp.etag.slice(0, -1)}-gz"` : stamp.etag;
      reply
        .header('etag', etag)
        .header('vary', 'accept-encoding')
        .header('cache-control', PROOF_CACHE_CONTROL);
      if (etagMatches(request.headers['if-none-match'], stamp.etag)) {
        return reply.code(304).send(null);
      }
      const body = await lotteries.proofBody(id, stamp);
      if (gzip) reply.header('content-encoding', 'gzip');
      // Bytes are sent as they are, not through the schema's serializer (they were built from the schema's type).
      return reply.type('application/json; charset=utf-8').send((gzip ? body.gzip : body.json) as never);
    },
  );

  // Everything else needs a session (and the CSRF token on changes); the hook stays in that plugin.
  await app.register(signedInRoutes, { lotteries, guard });
};

const signedInRoutes: FastifyPluginAsyncZod<LotteryRoutesOptions> = async (app, { lotteries, guard }) => {
  app.addHook('onRequest', guard.tenant);
  app.get(
    '',
    {
      schema: {
        tags,
        summary: 'Your lotteries, newest first (at most 500)',
        security,
        querystring: lotteryListQuery,
        response: { 200: lotteryListView, ...errorResponses(...SIGNED_IN) },
      },
    },
    async (request) => ({
      items: (await lotteries.list(signedIn(request).tenantId, request.query.status)).map(toLotteryView),
    }),
  );

  app.post(
    '',
    {
      schema: {
        tags,
        summary: 'Create a draft',
        description:
          '422 chat_not_admin when a target or membership chat is not one where the bot is an ' +
          'administrator; 422 draw_time_past for a draw time that is not in the future.',
        security,
        body: createLotteryBody,
        response: { 201: lotteryView, ...errorResponses(...SIGNED_IN, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const lottery = await lotteries.create(signedIn(request).tenantId, toLotteryPatch(request.body));
      return reply.code(201).send(toLotteryView(lottery));
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'One lottery',
        security,
        params: lotteryIdParams,
        response: { 200: lotteryView, ...errorResponses(...SIGNED_IN, 404) },
      },
    },
    async (request) => toLotteryView(await lotteries.get(signedIn(request).tenantId, request.params.id)),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Edit a draft (anything) or an open lottery (only easier to win, or later)',
        description:
          'An open lottery takes more prizes or larger quantities (keep every prize by id), a later time, ' +
          'a larger entry count, fewer conditions; anything else is 409 lottery_change_not_allowed. ' +
          'Drawn or cancelled lotteries: 409 lottery_not_editable.',
        security,
        params: lotteryIdParams,
        body: patchLotteryBody,
        response: { 200: lotteryView, ...errorResponses(...SIGNED_IN, 404, 409, 413, 415, 422) },
      },
    },
    async (request) =>
      toLotteryView(
        await lotteries.update(signedIn(request).tenantId, request.params.id, toLotteryPatch(request.body)),
      ),
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary:
          'Delete a draft or a cancelled lottery (409 lottery_not_draft otherwise: cancel an open one first)',
        security,
        params: lotteryIdParams,
        response: { 204: noContent, ...errorResponses(...SIGNED_IN, 404, 409) },
      },
    },
    async (request, reply) => {
      await lotteries.remove(signedIn(request).tenantId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  const actions = [
    [
      'publish',
      'Publish a draft: commit to its secret seed and post it to its targets',
      [404, 409, 422],
      (tenantId: number, id: number) => lotteries.publish(tenantId, id),
    ],
    [
      'cancel',
      'Cancel a draft or an open lottery (its posts are edited to say so)',
      [404, 409],
      (tenantId: number, id: number) => lotteries.cancel(tenantId, id),
    ],
    [
      'draw',
      'Draw an open lottery now (exactly once: a second call answers 409 lottery_not_open)',
      [404, 409],
      (tenantId: number, id: number) => lotteries.draw(tenantId, id),
    ],
  ] as const;
  for (const [action, summary, statuses, run] of actions) {
    app.post(
      `/:id/${action}`,
      {
        schema: {
          tags,
          summary,
          security,
          params: lotteryIdParams,
          response: { 200: lotteryView, ...errorResponses(...SIGNED_IN, ...statuses) },
        },
      },
      async (request) => toLotteryView(await run(signedIn(request).tenantId, request.params.id)),
    );
  }

  app.post(
    '/:id/reroll',
    {
      schema: {
        tags,
        summary: 'Replace winners of a drawn lottery with new ones (recorded in the proof, announced)',
        security,
        params: lotteryIdParams,
        body: rerollBody,
        response: { 200: winnerListView, ...errorResponses(...SIGNED_IN, 404, 409, 413, 415, 422) },
      },
    },
    async (request) => {
      const winners = await lotteries.reroll(signedIn(request).tenantId, request.params.id, {
        winnerIds: request.body.winner_ids,
        reason: request.body.reason,
      });
      return { items: winners.map(toWinnerView) };
    },
  );

  app.get(
    '/:id/entries',
    {
      schema: {
        tags,
        summary: 'Entries in join order, a page at a time, optionally matching a name, @username or id',
        security,
        params: lotteryIdParams,
        querystring: entryListQuery,
        response: { 200: entryPageView, ...errorResponses(...SIGNED_IN, 404) },
      },
    },
    async (request) => {
      const { query, cursor, limit } = request.query;
      const page = await lotteries.entries(signedIn(request).tenantId, request.params.id, {
        ...(query !== undefined ? { query } : {}),
        ...(cursor ? { cursor } : {}),
        limit,
      });
      return { items: page.items.map(toEntryView), next_cursor: page.nextCursor, total: page.total };
    },
  );

  app.get(
    '/:id/entries.csv',
    {
      schema: {
        tags,
        summary: 'Every entry as CSV (UTF-8 with a BOM, for spreadsheets), streamed',
        description: `Columns: ${CSV_COLUMNS.join(', ')} (joined_at in ISO-8601 UTC).`,
        security,
        params: lotteryIdParams,
        produces: ['text/csv'],
        response: { 200: z.string().describe('CSV'), ...errorResponses(...SIGNED_IN, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { batches, release } = await lotteries.entriesForExport(signedIn(request).tenantId, id);
      const rows = new Transform({
        objectMode: true,
        transform(batch: EntryView[], _encoding, done) {
          for (const entry of batch) this.push(csvRecord(entry));
          done();
        },
      });
      const csv = stringify({ bom: true, header: true, columns: [...CSV_COLUMNS] });
      // A database error mid-export destroys the response (the download fails rather than ending short).
      // The heavy slot is held until the last row is sent or the download fails.
      pipeline(Readable.from(batches), rows, csv)
        .catch((err: unknown) => {
          request.log.error({ err }, 'entries export failed');
        })
        .finally(release);
      reply.raw.once('close', release);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="lottery-${id}-entries.csv"`)
        .header('cache-control', 'no-store')
        .send(csv as unknown as string); // a stream is sent as it is, not through the schema's serializer
    },
  );

  app.get(
    '/:id/winners',
    {
      schema: {
        tags,
        summary: 'Winners by position (replaced ones included, status "replaced")',
        security,
        params: lotteryIdParams,
        response: { 200: winnerListView, ...errorResponses(...SIGNED_IN, 404) },
      },
    },
    async (request) => ({
      items: (await lotteries.winners(signedIn(request).tenantId, request.params.id)).map(toWinnerView),
    }),
  );
};
