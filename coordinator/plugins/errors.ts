// One error serializer for the HTTP API: FedmarkError -> its status and { code, message };
// schema failures -> 400 naming the field; anything else -> 500 without internals. Every error reply
// of every route is the one named schema ApiError (not `Error`, which a generated client would shadow).
import { Type, type Static, type TUnsafe } from '@sinclair/typebox';
import type { FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import { FedmarkError, serializeError, toFedmarkError } from '../../errors/table.ts';
import { named, ref } from './schemaRef.ts';

export const ApiError = named('ApiError', Type.Object(
  {
    code: Type.String({ description: 'FM_ERR_<AREA>_<WHAT>, from the error table' }),
    message: Type.String({ description: 'what went wrong, naming the field, file, party or key concerned' }),
  },
  { additionalProperties: false },
));

/** What each error status means on this API, as the document says it. */
const MEANING = {
  400: 'The request is malformed; the message names the field (FM_ERR_WIRE_REQUEST)',
  401: 'No API key, or a wrong, revoked or expired one (FM_ERR_AUTH_KEY, FM_ERR_AUTH_KEY_REVOKED, FM_ERR_AUTH_KEY_EXPIRED)',
  403: "The key's role may not do this (FM_ERR_AUTH_ROLE), or a party's policy refused it",
  404: 'Not found; the message names what',
  409: 'The job, model or key is in a state that does not allow this',
  422: 'A party could not serve the request from its data; the message names the party and the problem',
  429: "Over the key's requests per minute (FM_ERR_AUTH_RATE) or an ID's scores per hour (FM_ERR_SCORE_ID_RATE); Retry-After says when to try again",
  500: 'An internal error; the coordinator log has the cause',
  503: 'A party is not connected (FM_ERR_JOB_PARTY_OFFLINE) or its data source is unavailable; Retry-After, when given, says when to try again',
  504: 'A party did not answer in time',
} as const;
export type ErrorStatus = keyof typeof MEANING;

type ErrorReply = TUnsafe<Static<typeof ApiError>>;

/** Response schemas for these statuses, each a reference to ApiError with what the status means. */
export function errorReplies<S extends ErrorStatus>(...statuses: S[]): Record<S, ErrorReply> {
  return Object.fromEntries(statuses.map((s) => [s, ref(ApiError, { description: MEANING[s] })])) as Record<S, ErrorReply>;
}

/** Adds ApiError and the error handler to the whole application (not encapsulated). */
export const errorHandler = fp(async (app) => {
  app.addSchema(ApiError);
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation) {
      const first = err.validation[0];
      const field = [err.validationContext, first?.instancePath.replace(/^\//, '').replaceAll('/', '.')].filter(Boolean).join('.');
      const e = new FedmarkError('FM_ERR_WIRE_REQUEST', { field: field || '(body)', reason: first?.message ?? 'invalid' });
      return reply.code(400).send(serializeError(e));
    }
    if (err instanceof FedmarkError) return reply.code(err.status).send(serializeError(err));
    if (typeof err.statusCode === 'number' && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ code: 'FM_ERR_WIRE_REQUEST', message: err.message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send(serializeError(toFedmarkError(new Error('see the coordinator log'))));
  });
}, { name: 'fedmark-errors', fastify: '5.x' });
