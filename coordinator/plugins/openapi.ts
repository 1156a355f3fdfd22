// The API's own description: an OpenAPI 3.1 document built by @fastify/swagger from the route
// schemas, served at /openapi.json, with the Swagger UI page at /docs (from the package's own
// files, no CDN). 3.1, because its schemas are JSON Schema 2020-12, the dialect TypeBox writes
// (`exclusiveMinimum` is a number); a 3.0 document with them is invalid. Register it before the
// routes: it collects them as they are added.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { API_KEY_SCHEME } from './auth.ts';

const TAGS = [
  { name: 'jobs', description: 'Submit, follow and cancel training and PSI jobs' },
  { name: 'models', description: 'The model registry: versions, cards, publish and retire' },
  { name: 'scoring', description: 'Scores of customers by ID with a published model (scorer keys)' },
  { name: 'audiences', description: 'Lookalike audiences re-cut at another size' },
  { name: 'parties', description: 'Parties, their links and their datasets' },
  { name: 'campaigns', description: 'Campaigns with a control group: counts per arm and the report (customers stay at the guest)' },
  { name: 'seeds', description: 'Seed lists sealed to a party, for lookalike jobs' },
  { name: 'keys', description: 'API keys (admin)' },
  { name: 'sso', description: 'Single sign-on through the OpenID Connect provider: dashboard sessions as short-lived keys' },
  { name: 'events', description: 'The event log and audit trail (admin)' },
  { name: 'metrics', description: 'Prometheus metrics' },
  { name: 'health', description: 'Liveness' },
];

export const openApiDocument = fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'fedmark coordinator',
        version: '1',
        description: 'The HTTP API of a fedmark coordinator. Every operation but health needs an API key (`Authorization: Bearer fmk_…`); the roles each accepts are listed in its security requirement.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      // Relative: the coordinator is wherever this document was fetched from (it may sit behind a proxy).
      servers: [{ url: '/', description: 'this coordinator' }],
      components: {
        securitySchemes: {
          [API_KEY_SCHEME]: { type: 'http', scheme: 'bearer', description: 'An API key (fmk_…) from the coordinator config or POST /v1/keys, with role admin, scientist or scorer' },
        },
      },
      tags: TAGS,
    },
    // Named schemas appear in the document under their own $id, not as def-0, def-1, …
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}, { name: 'fedmark-openapi', fastify: '5.x' });
