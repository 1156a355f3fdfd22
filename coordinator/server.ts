// Builds and starts the coordinator: HTTP API (fastify, OpenAPI at /openapi.json, docs at /docs), the party
// link endpoint (WebSocket at /v1/link on the same port), the store and the job runner.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import pino, { type Logger } from 'pino';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CoordinatorConfig } from './config.ts';
import { PartyLinks, type FrameTap } from './links.ts';
import { Store } from './store.ts';
import { JobRunner } from './jobs/runner.ts';
import { apiKeyGuards } from './plugins/auth.ts';
import { keyRoutes } from './plugins/keys.ts';
import { errorHandler } from './plugins/errors.ts';
import { jobRoutes } from './plugins/jobs.ts';
import { partyRoutes } from './plugins/parties.ts';
import { modelRoutes } from './plugins/models.ts';
import { scoringRoutes } from './plugins/scoring.ts';
import { audienceRoutes } from './plugins/audience.ts';
import { seedRoutes } from './plugins/seeds.ts';
import { SeedUploads } from './seeds/uploads.ts';
import { ScoringService } from './scoring/service.ts';

export interface Coordinator {
  app: FastifyInstance;
  links: PartyLinks;
  runner: JobRunner;
  store: Store;
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

export async function startCoordinator(config: CoordinatorConfig, opts: { logger?: Logger; tap?: FrameTap } = {}): Promise<Coordinator> {
  const log = opts.logger ?? pino({ level: config.logLevel, base: { role: 'coordinator' } });
  if (config.store !== ':memory:') mkdirSync(dirname(config.store), { recursive: true });
  const store = new Store(config.store);
  const links = new PartyLinks(config, log.child({ area: 'link' }), opts.tap);
  const runner = new JobRunner(store, links, log.child({ area: 'jobs' }), config.stepTimeoutMs);

  const app: FastifyInstance = Fastify({
    loggerInstance: log.child({ area: 'http' }) as FastifyBaseLogger,
    bodyLimit: 4 * 1024 * 1024,
    // Scalars in paths are coerced (a version number), but a string is never silently wrapped into an array.
    ajv: { customOptions: { coerceTypes: true } },
  });
  await app.register(swagger, {
    openapi: { info: { title: 'fedmark coordinator', version: '1' }, components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } } },
  });
  // The docs page is served from the package's own files: no CDN.
  await app.register(swaggerUi, { routePrefix: '/docs' });
  errorHandler(app);
  const requireRole = apiKeyGuards(config, store);
  const auth = requireRole();
  jobRoutes(app, { runner, store, auth });
  partyRoutes(app, { links, auth });
  modelRoutes(app, { store, auth });
  const scoring = new ScoringService(store, links, log.child({ area: 'scoring' }));
  scoringRoutes(app, { scoring, auth: requireRole(['scorer']) });
  audienceRoutes(app, { scoring, store, auth });
  seedRoutes(app, { uploads: new SeedUploads(links, log.child({ area: 'seeds' })), auth });
  keyRoutes(app, { store, config, adminOnly: requireRole(['admin']) });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  links.attach(app.server);

  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('[::1]', '127.0.0.1');
  log.info({ url }, 'coordinator listening');
  return {
    app, links, runner, store, url,
    async close() {
      await links.close();
      await app.close();
      store.close();
    },
  };
}
