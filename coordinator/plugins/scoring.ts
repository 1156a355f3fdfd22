// Scoring over HTTP: POST /v1/models/{name}/score (newest published version) and
// /v1/models/{name}/versions/{version}/score, up to 10,000 IDs per call; POST
// /v1/models/{name}/batch-score, up to 1,000,000 IDs, streamed. Scorer keys may call these and
// nothing else.
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FedmarkError } from '../../errors/table.ts';
import type { ScoringService } from '../scoring/service.ts';
import type { ApiKeyCheck } from './auth.ts';
import { ErrorBody } from './errors.ts';

/** Horizontal models: the member whose customers the IDs are (only it receives them). */
const Member = Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }));
const Body = Type.Object(
  { ids: Type.Array(Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\r\\n]+$' }), { minItems: 1, maxItems: 10_000 }), member: Member },
  { additionalProperties: false },
);
const Result = Type.Object({
  id: Type.String(),
  score: Type.Union([Type.Number(), Type.Null()]),
  decile: Type.Union([Type.Integer({ minimum: 1, maximum: 10 }), Type.Null()]),
  /** unscorable: not held, not consenting or not shared at some party; which and why is not said here. */
  status: Type.Union([Type.Literal('ok'), Type.Literal('unscorable')]),
});
const Reply = Type.Object({ model: Type.String(), version: Type.Integer(), results: Type.Array(Result) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 503: ErrorBody, 504: ErrorBody };

/** Seconds a caller should wait before trying again after a party went offline. */
const OFFLINE_RETRY_SECONDS = 30;

/** Runs a scoring step; an error that will clear with time (a party offline, the per-ID limit) carries Retry-After. */
async function withRetryAfter<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof FedmarkError && err.code === 'FM_ERR_JOB_PARTY_OFFLINE') reply.header('retry-after', String(OFFLINE_RETRY_SECONDS));
    if (err instanceof FedmarkError && err.code === 'FM_ERR_SCORE_ID_RATE') reply.header('retry-after', String(err.params.seconds));
    throw err;
  }
}

const BATCH_CHUNK = 10_000;
const BatchBody = Type.Object(
  {
    ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\r\\n]+$' }), { minItems: 1, maxItems: 1_000_000 })),
    /** Score every customer the model was trained on; the file is written at the guest, not returned. */
    all: Type.Optional(Type.Literal(true)),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('csv')])),
    member: Member,
  },
  { additionalProperties: false },
);

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function scoringRoutes(app: FastifyInstance, deps: { scoring: ScoringService; auth: ApiKeyCheck }): void {
  const { scoring, auth } = deps;
  const handle = (reply: FastifyReply, name: string, version: number | undefined, body: { ids: string[]; member?: string }) => withRetryAfter(reply, async () => {
    const model = scoring.resolve(name, version);
    return { model: model.name, version: model.version, results: await scoring.score(model, body.ids, body.member) };
  });
  app.post('/v1/models/:name/score', {
    onRequest: auth,
    schema: { summary: 'Score customers by ID with the newest published version', params: Type.Object({ name: Type.String({ maxLength: 256 }) }), body: Body, response: { 200: Reply, ...errors } },
  }, async (request, reply) => handle(reply, (request.params as { name: string }).name, undefined, request.body as { ids: string[]; member?: string }));
  // Batch scoring: the list is scored 10,000 IDs at a time and streamed as it goes. NDJSON lines are
  // results, interleaved with {"progress":{"done","total"}} after each chunk; CSV has id,score,decile,status.
  app.post('/v1/models/:name/batch-score', {
    onRequest: auth,
    bodyLimit: 64 * 1024 * 1024,
    schema: {
      summary: 'Score a list of customers, streamed as NDJSON (default) or CSV; or, with all: true, every matched customer into a file at the guest',
      params: Type.Object({ name: Type.String({ maxLength: 256 }) }),
      body: BatchBody,
      response: { ...errors },
    },
  }, async (request, reply) => {
    const { name } = request.params as { name: string };
    const body = request.body as { ids?: string[]; all?: true; version?: number; format?: 'ndjson' | 'csv'; member?: string };
    const model = scoring.resolve(name, body.version);
    if (body.all === true && body.ids === undefined) {
      const saved = await withRetryAfter(reply, () => scoring.scoreAll(model));
      return reply.send({ model: model.name, version: model.version, rows: saved.rows, writtenAt: { party: saved.party, path: saved.path } });
    }
    if (body.ids === undefined || body.all !== undefined) throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'body', reason: 'give either ids or all: true' });
    const ids = body.ids;
    const csv = body.format === 'csv';
    // The first chunk is scored before the reply starts, so a missing party still gets its 503.
    const first = await withRetryAfter(reply, () => scoring.score(model, ids.slice(0, BATCH_CHUNK), body.member));
    async function* lines(): AsyncGenerator<string> {
      if (csv) yield 'id,score,decile,status\n';
      let done = 0;
      for (let start = 0; start < ids.length; start += BATCH_CHUNK) {
        let results;
        try {
          results = start === 0 ? first : await scoring.score(model, ids.slice(start, start + BATCH_CHUNK), body.member);
        } catch (err) {
          // The per-ID limit names a position in the chunk; the caller sent the whole list.
          const e = err instanceof FedmarkError && err.code === 'FM_ERR_SCORE_ID_RATE'
            ? new FedmarkError(err.code, { ...err.params, index: start + Number(err.params.index) })
            : (err as { code?: string; message?: string });
          yield csv ? `# error ${e.code}: ${e.message}\n` : `${JSON.stringify({ error: { code: e.code, message: e.message } })}\n`;
          return;
        }
        done += results.length;
        yield results.map((r) => (csv ? `${csvCell(r.id)},${r.score ?? ''},${r.decile ?? ''},${r.status}\n` : `${JSON.stringify(r)}\n`)).join('');
        if (!csv) yield `${JSON.stringify({ progress: { done, total: ids.length } })}\n`;
      }
    }
    reply.header('x-fedmark-model', `${model.name}/${model.version}`);
    return reply.type(csv ? 'text/csv' : 'application/x-ndjson').send(Readable.from(lines()));
  });

  app.post('/v1/models/:name/versions/:version/score', {
    onRequest: auth,
    schema: { summary: 'Score customers by ID with one version', params: Type.Object({ name: Type.String({ maxLength: 256 }), version: Type.Integer({ minimum: 1 }) }), body: Body, response: { 200: Reply, ...errors } },
  }, async (request, reply) => {
    const { name, version } = request.params as { name: string; version: number };
    return handle(reply, name, version, request.body as { ids: string[]; member?: string });
  });
}
