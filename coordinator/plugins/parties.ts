// Party status: who is configured, who is connected, when each was last heard from; and, when a
// party's policy allows, the listing of its datasets (names, columns with types, row counts).
// Also the liveness probe, the one route that needs no key.
import { Type } from '@sinclair/typebox';
import type { PartyCatalogues } from '../catalogues.ts';
import type { PartyLinks } from '../links.ts';
import { CatalogueEntrySchema } from '../../protocol/messages/dataset.ts';
import { PartyId } from '../../protocol/messages/job.ts';
import { NO_KEY, type ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';
import { named, ref } from './schemaRef.ts';

const PartyStatus = named('PartyStatus', Type.Object({
  id: Type.String(),
  online: Type.Boolean(),
  connectedAt: Type.Optional(Type.String()),
  lastSeen: Type.Optional(Type.String()),
}));
const CatalogueEntry = named('CatalogueEntry', CatalogueEntrySchema);

export const partyRoutes = routePlugin<{ links: PartyLinks; catalogues: PartyCatalogues; auth: ApiKeyCheck }>('parties', async (app, { links, catalogues, auth }) => {
  for (const schema of [PartyStatus, CatalogueEntry]) app.addSchema(schema);
  const doc = { tags: ['parties'], security: auth.security };

  app.get('/v1/parties', {
    onRequest: auth,
    schema: { ...doc, operationId: 'listParties', summary: 'Configured parties and their link state', response: { 200: Type.Array(ref(PartyStatus)), ...errorReplies(401, 403, 429) } },
  }, async () => links.status());

  app.get('/v1/parties/:party/datasets', {
    onRequest: auth,
    schema: {
      ...doc, operationId: 'listPartyDatasets',
      summary: "The party's datasets as it lists them (name, columns with types, row count), if its policy allows",
      params: Type.Object({ party: PartyId }),
      response: { 200: Type.Object({ party: Type.String(), datasets: Type.Array(ref(CatalogueEntry)) }), ...errorReplies(400, 401, 403, 422, 429, 500, 503, 504) },
    },
  }, async (request) => {
    const { party } = request.params;
    return { party, datasets: await catalogues.list(party) };
  });

  app.get('/v1/health', {
    schema: { tags: ['health'], security: NO_KEY, operationId: 'health', summary: 'Liveness (no key needed)', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));
});
