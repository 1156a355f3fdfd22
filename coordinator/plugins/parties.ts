// Party status: who is configured, who is connected, when each was last heard from.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PartyLinks } from '../links.ts';
import type { ApiKeyCheck } from './auth.ts';
import { ErrorBody } from './errors.ts';

const PartyStatusSchema = Type.Object({
  id: Type.String(),
  online: Type.Boolean(),
  connectedAt: Type.Optional(Type.String()),
  lastSeen: Type.Optional(Type.String()),
});

export function partyRoutes(app: FastifyInstance, deps: { links: PartyLinks; auth: ApiKeyCheck }): void {
  app.get('/v1/parties', {
    onRequest: deps.auth,
    schema: { summary: 'Configured parties and their link state', response: { 200: Type.Array(PartyStatusSchema), 401: ErrorBody } },
  }, async () => deps.links.status());

  app.get('/v1/health', {
    schema: { summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));
}
