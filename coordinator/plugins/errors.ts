// One error serializer for the HTTP API: FedmarkError -> its status and { code, message };
// schema failures -> 400 naming the field; anything else -> 500 without internals.
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance } from 'fastify';
import { FedmarkError, serializeError, toFedmarkError } from '../../errors/table.ts';

export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });

export function errorHandler(app: FastifyInstance): void {
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
}
