// Seed lists over HTTP (lookalike jobs): GET /v1/parties/{party}/seed-key gives the party's public
// key for sealed uploads; POST /v1/parties/{party}/seeds relays a list sealed to that key (base64)
// for the party to keep under a name that a job's `seeds: { upload }` refers to.
import { Type } from '@sinclair/typebox';
import { UploadName } from '../../protocol/messages/lookalike.ts';
import { PartyId } from '../../protocol/messages/job.ts';
import { KeyEndorsementSchema } from '../../protocol/messages/identity.ts';
import type { SeedUploads } from '../seeds/uploads.ts';
import type { ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';

const Params = Type.Object({ party: PartyId });
const errors = errorReplies(400, 401, 403, 422, 429, 500, 503, 504);
/** Base64 of a sealed list of up to 6 MB (about 400,000 IDs), so that it fits one link frame of the default 8 MiB. */
const MAX_SEALED_CHARS = 8_000_000;

export const seedRoutes = routePlugin<{ uploads: SeedUploads; auth: ApiKeyCheck }>('seeds', async (app, { uploads, auth }) => {
  const doc = { tags: ['seeds'], security: auth.security };
  app.get('/v1/parties/:party/seed-key', {
    onRequest: auth,
    schema: {
      ...doc, operationId: 'getSeedKey',
      summary: "The party's public key for sealed seed-list uploads (hex), with its identity's signature to check against the party's fingerprint",
      params: Params,
      response: { 200: Type.Object({ party: Type.String(), publicKey: Type.String(), endorsement: Type.Optional(KeyEndorsementSchema) }), ...errors },
    },
  }, async (request) => {
    const { party } = request.params;
    const { key, endorsement } = await uploads.publicKey(party);
    return { party, publicKey: Buffer.from(key).toString('hex'), ...(endorsement ? { endorsement } : {}) };
  });

  app.post('/v1/parties/:party/seeds', {
    onRequest: auth,
    bodyLimit: MAX_SEALED_CHARS + 1024,
    schema: {
      ...doc, operationId: 'uploadSeeds',
      summary: 'Relay a seed list sealed to the party\'s key; the party opens, checks and keeps it under the name',
      params: Params,
      body: Type.Object({ name: UploadName, sealed: Type.String({ minLength: 1, maxLength: MAX_SEALED_CHARS, contentEncoding: 'base64' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ party: Type.String(), name: Type.String(), rows: Type.Integer() }), ...errors },
    },
  }, async (request) => {
    const { party } = request.params;
    const { name, sealed } = request.body;
    return { party, name, rows: await uploads.store(party, name, Buffer.from(sealed, 'base64')) };
  });
});
