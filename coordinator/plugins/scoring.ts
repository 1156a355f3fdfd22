// Scoring over HTTP: POST /v1/models/{name}/score (newest published version) and
// /v1/models/{name}/versions/{version}/score, up to 10,000 IDs per call; POST
// /v1/models/{name}/batch-score, up to 1,000,000 IDs, streamed. Scorer keys may call these and
// nothing else.
import { Readable } from 'node:stream';
import { Type, type StringOptions } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { FedmarkError, serializeError, type WireError } from '../../errors/table.ts';
import type { ScoringService } from '../scoring/service.ts';
import type { ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';
import { named, ref } from './schemaRef.ts';
import { MAX_REASONS } from '../../protocol/messages/score.ts';

/** Horizontal models: the member whose customers the IDs are (only it receives them). */
const Member = Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: 'horizontal models: the member whose customers these are (only it receives the IDs)' }));
const CustomerId = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\r\\n]+$' });
/** Reason codes on request: true gives the guest's 3 largest feature terms, a number that many. */
const DEFAULT_REASONS = 3;
const Reasons = Type.Optional(Type.Union([Type.Boolean(), Type.Integer({ minimum: 1, maximum: MAX_REASONS })], {
  description: `vertical models: reason codes per ID — true for the ${DEFAULT_REASONS} largest terms of the guest's features, or how many (up to ${MAX_REASONS}); each other party as one figure`,
}));
const ScoreRequest = named('ScoreRequest', Type.Object(
  { ids: Type.Array(CustomerId, { minItems: 1, maxItems: 10_000 }), member: Member, reasons: Reasons },
  { additionalProperties: false },
));
const ScoreReasons = named('ScoreReasons', Type.Object({
  logit: Type.Number({ description: 'the score is 1/(1 + e^−logit); logit = baseline + Σ features + otherFeatures + Σ parties' }),
  baseline: Type.Number({ description: "the logit of the evaluation rows' average customer" }),
  features: Type.Array(Type.Object({ feature: Type.String(), value: Type.Number() }), { description: "the guest's largest feature terms w·(x − mean), largest first in magnitude; positive raises the score" }),
  otherFeatures: Type.Number({ description: "the sum of the guest's other feature terms" }),
  parties: Type.Array(Type.Object({ party: Type.String(), value: Type.Number() }), { description: "each other party's contribution against its average customer's, one figure each" }),
}));
const ScoreResult = named('ScoreResult', Type.Object({
  id: Type.String(),
  score: Type.Union([Type.Number(), Type.Null()]),
  decile: Type.Union([Type.Integer({ minimum: 1, maximum: 10 }), Type.Null()], { description: '1 is the top 10% of the evaluation rows' }),
  status: Type.Union([Type.Literal('ok'), Type.Literal('unscorable')], { description: 'unscorable: not held, not consenting or not shared at some party; which and why is not said' }),
  reasons: Type.Optional(ref(ScoreReasons)),
}));
const ScoreReply = named('ScoreReply', Type.Object({ model: Type.String(), version: Type.Integer(), results: Type.Array(ref(ScoreResult)) }));
const BatchScoreRequest = named('BatchScoreRequest', Type.Object(
  {
    ids: Type.Optional(Type.Array(CustomerId, { minItems: 1, maxItems: 1_000_000 })),
    all: Type.Optional(Type.Literal(true, { description: 'score every customer the model was trained on; the file is written at the guest, not returned' })),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('csv')])),
    member: Member,
  },
  { additionalProperties: false },
));
const ScoreFileReply = named('ScoreFileReply', Type.Object({
  model: Type.String(), version: Type.Integer(), rows: Type.Integer(),
  writtenAt: Type.Object({ party: Type.String(), path: Type.String({ description: 'a path at the guest' }) }),
}));
/** Text on the wire, a stream in the handler: fastify pipes it without serializing. */
const TextStream = (options: StringOptions = {}) => Type.Unsafe<Readable>(Type.String(options));
const NameParams = Type.Object({ name: Type.String({ maxLength: 256 }) });
const errors = errorReplies(400, 401, 403, 404, 409, 429, 503, 504);

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

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A failure in mid-stream, told in the stream; the per-ID limit names a position in the chunk, the caller sent the whole list. */
function streamError(err: unknown, chunkStart: number): WireError {
  if (err instanceof FedmarkError && err.code === 'FM_ERR_SCORE_ID_RATE') return serializeError(new FedmarkError(err.code, { ...err.params, index: chunkStart + Number(err.params.index) }));
  return serializeError(err instanceof FedmarkError ? err : new Error('see the coordinator log'));
}

export const scoringRoutes = routePlugin<{ scoring: ScoringService; auth: ApiKeyCheck }>('scoring', async (app, { scoring, auth }) => {
  for (const schema of [ScoreReasons, ScoreRequest, ScoreResult, ScoreReply, BatchScoreRequest, ScoreFileReply]) app.addSchema(schema);
  const doc = { tags: ['scoring'], security: auth.security };
  const handle = (reply: FastifyReply, name: string, version: number | undefined, body: { ids: string[]; member?: string | undefined; reasons?: boolean | number | undefined }) => withRetryAfter(reply, async () => {
    const model = scoring.resolve(name, version);
    const reasons = body.reasons === true ? DEFAULT_REASONS : body.reasons === false ? undefined : body.reasons;
    return { model: model.name, version: model.version, results: await scoring.score(model, body.ids, body.member, reasons) };
  });

  app.post('/v1/models/:name/score', {
    onRequest: auth,
    schema: { ...doc, operationId: 'scoreModel', summary: 'Score customers by ID with the newest published version', params: NameParams, body: ref(ScoreRequest), response: { 200: ref(ScoreReply), ...errors } },
  }, async (request, reply) => handle(reply, request.params.name, undefined, request.body));

  app.post('/v1/models/:name/versions/:version/score', {
    onRequest: auth,
    schema: {
      ...doc, operationId: 'scoreModelVersion', summary: 'Score customers by ID with one version',
      params: Type.Object({ name: Type.String({ maxLength: 256 }), version: Type.Integer({ minimum: 1 }) }), body: ref(ScoreRequest), response: { 200: ref(ScoreReply), ...errors },
    },
  }, async (request, reply) => handle(reply, request.params.name, request.params.version, request.body));

  // Batch scoring: the list is scored 10,000 IDs at a time and streamed as it goes. NDJSON lines are
  // results, interleaved with {"progress":{"done","total"}} after each chunk; CSV has id,score,decile,status.
  app.post('/v1/models/:name/batch-score', {
    onRequest: auth,
    bodyLimit: 64 * 1024 * 1024,
    schema: {
      ...doc, operationId: 'batchScoreModel',
      summary: 'Score a list of customers, streamed as NDJSON (default) or CSV; or, with all: true, every matched customer into a file at the guest',
      params: NameParams,
      body: ref(BatchScoreRequest),
      response: {
        200: {
          description: 'ids: the scores as a stream (NDJSON lines are ScoreResult objects and {"progress":{"done","total"}}; a failure ends it with {"error":ApiError}); all: where the file is',
          content: {
            'application/x-ndjson': { schema: TextStream() },
            'text/csv': { schema: TextStream({ description: 'id,score,decile,status; a failure ends it with a line "# error CODE: message"' }) },
            'application/json': { schema: ref(ScoreFileReply) },
          },
        },
        ...errors,
      },
    },
  }, async (request, reply) => {
    const { name } = request.params;
    const body = request.body;
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
          if (!(err instanceof FedmarkError)) request.log.error({ err }, 'batch scoring failed');
          const e = streamError(err, start);
          yield csv ? `# error ${e.code}: ${e.message}\n` : `${JSON.stringify({ error: e })}\n`;
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
});
