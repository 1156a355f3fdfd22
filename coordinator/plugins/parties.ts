// Party status: who is configured, who is connected, when each was last heard from; and, when a
// party's policy allows, the listing of its datasets (names, columns with types, row counts).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PartyCatalogues } from '../catalogues.ts';
import type { PartyLinks } from '../links.ts';
import { CatalogueEntrySchema } from '../../protocol/messages/dataset.ts';
import { PartyId } from '../../protocol/messages/job.ts';
import type { ApiKeyCheck } from './auth.ts';
import { ErrorBody } from './errors.ts';

const PartyStatusSchema = Type.Object({
  id: Type.String(),
  online: Type.Boolean(),
  connectedAt: Type.Optional(Type.String()),
  lastSeen: Type.Optional(Type.String()),
});

export function partyRoutes(app: FastifyInstance, deps: { links: PartyLinks; catalogues: PartyCatalogues; auth: ApiKeyCheck }): void {
  app.get('/v1/parties', {
    onRequest: deps.auth,
    schema: { summary: 'Configured parties and their link state', response: { 200: Type.Array(PartyStatusSchema), 401: ErrorBody } },
  }, async () => deps.links.status());

  app.get('/v1/parties/:party/datasets', {
    onRequest: deps.auth,
    schema: {
      summary: "The party's datasets as it lists them (name, columns with types, row count), if its policy allows",
      params: Type.Object({ party: PartyId }),
      response: { 200: Type.Object({ party: Type.String(), datasets: Type.Array(CatalogueEntrySchema) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 422: ErrorBody, 500: ErrorBody, 503: ErrorBody, 504: ErrorBody },
    },
  }, async (request) => {
    const { party } = request.params as { party: string };
    return { party, datasets: await deps.catalogues.list(party) };
  });

  app.get('/v1/health', {
    schema: { summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));
}
