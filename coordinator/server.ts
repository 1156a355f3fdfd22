// Builds and starts the coordinator: HTTP API (fastify, OpenAPI at /openapi.json, docs at /docs), the party
// link endpoint (WebSocket at /v1/link on the same port), the store and the job runner.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CoordinatorConfig } from './config.ts';
import { PartyLinks, type FrameTap } from './links.ts';
import { Store } from './store.ts';
import { JobRunner } from './jobs/runner.ts';
import { trackPartiesSeen } from './partiesSeen.ts';
import { apiKeyGuards } from './plugins/auth.ts';
import { keyRoutes } from './plugins/keys.ts';
import { loginLinkRoutes } from './plugins/loginLinks.ts';
import { ssoRoutes } from './plugins/sso.ts';
import { AccessTokens } from './sso/accessTokens.ts';
import { OidcProvider } from './sso/provider.ts';
import { oidcClientSecret } from './sso/settings.ts';
import { errorHandler } from './plugins/errors.ts';
import { recordApiCalls } from './plugins/audit.ts';
import { jobRoutes } from './plugins/jobs.ts';
import { partyRoutes } from './plugins/parties.ts';
import { modelRoutes } from './plugins/models.ts';
import { scoringRoutes } from './plugins/scoring.ts';
import { audienceRoutes } from './plugins/audience.ts';
import { seedRoutes } from './plugins/seeds.ts';
import { campaignRoutes } from './plugins/campaigns.ts';
import { CampaignService } from './campaigns/service.ts';
import { CampaignStore } from './campaigns/store.ts';
import { SeedUploads } from './seeds/uploads.ts';
import { PartyCatalogues } from './catalogues.ts';
import { ScoringService } from './scoring/service.ts';
import { liveRoutes } from './plugins/live.ts';
import { eventLogRoutes } from './plugins/eventLog.ts';
import { dashboardRoutes } from './plugins/dashboard.ts';
import { serverFactory } from './tls.ts';
import { CoordinatorMetrics } from './metrics.ts';
import { metricsRoute } from './plugins/metrics.ts';
import { ScoreMonitor } from './monitoring/monitor.ts';
import { registerStabilityGauges } from './monitoring/gauges.ts';
import { monitoringRoutes } from './plugins/monitoring.ts';
import { openApiDocument } from './plugins/openapi.ts';

export interface Coordinator {
  app: FastifyInstance;
  links: PartyLinks;
  runner: JobRunner;
  store: Store;
  /** http://host:port, or https://host:port with TLS */
  url: string;
  close(): Promise<void>;
}

export async function startCoordinator(config: CoordinatorConfig, opts: { logger?: Logger; tap?: FrameTap; env?: Readonly<Record<string, string | undefined>>; /** the clock that dates served scores (tests step through days) */ now?: () => Date } = {}): Promise<Coordinator> {
  const log = opts.logger ?? pino({ level: config.logLevel, base: { role: 'coordinator' } });
  // Everything that can be wrong with the config is found before the store's folder and file exist.
  const makeServer = serverFactory(config);
  const sso = config.oidc ? new OidcProvider(config.oidc, oidcClientSecret(config.oidc, opts.env ?? process.env, 'oidc')) : undefined;
  if (config.store !== ':memory:') mkdirSync(dirname(config.store), { recursive: true });
  const store = new Store(config.store);
  const metrics = new CoordinatorMetrics(store);
  const links = new PartyLinks(config, log.child({ area: 'link' }), metrics.linkTap(opts.tap));
  const stopTracking = trackPartiesSeen(links, store, config.heartbeatMs);
  const runner = new JobRunner(store, links, log.child({ area: 'jobs' }), config.stepTimeoutMs, { partyWaitMs: config.partyWaitMs });

  const app: FastifyInstance = Fastify({
    loggerInstance: log.child({ area: 'http' }) as FastifyBaseLogger,
    bodyLimit: 4 * 1024 * 1024,
    serverFactory: makeServer,
    // Scalars in paths are coerced (a version number), but a string is never silently wrapped into an array.
    ajv: { customOptions: { coerceTypes: true } },
  });
  // Each feature is a plugin; the ones that see every route (document, errors, audit, metrics) come first.
  await app.register(openApiDocument);
  await app.register(errorHandler);
  await app.register(recordApiCalls, { store });
  metrics.observe(app, runner, links);
  const requireRole = apiKeyGuards(config, store, sso && config.oidc && config.oidc.apiClients.length > 0 ? new AccessTokens(sso, config.oidc, store) : undefined);
  const auth = requireRole();
  const monitor = new ScoreMonitor(store, config.monitoring, log.child({ area: 'monitoring' }), opts.now);
  registerStabilityGauges(metrics.registry, monitor);
  const scoring = new ScoringService(store, links, log.child({ area: 'scoring' }), { perIdPerHour: config.scoringPerIdPerHour, onServed: (model, deciles) => monitor.served(model, deciles) });
  await app.register(jobRoutes, { runner, store, auth });
  await app.register(partyRoutes, { links, catalogues: new PartyCatalogues(links), auth });
  await app.register(modelRoutes, { store, auth, read: requireRole(['admin', 'scientist', 'approver']), approver: requireRole(['approver']), fourEyes: config.fourEyesPublish });
  await app.register(monitoringRoutes, { store, monitor, auth });
  await app.register(scoringRoutes, { scoring, auth: requireRole(['scorer']) });
  await app.register(audienceRoutes, { scoring, store, auth });
  const campaignStore = new CampaignStore(config.store);
  await app.register(campaignRoutes, { campaigns: new CampaignService({ store, campaigns: campaignStore, scoring, links, log: log.child({ area: 'campaigns' }) }), auth });
  await app.register(seedRoutes, { uploads: new SeedUploads(links, log.child({ area: 'seeds' })), auth });
  await app.register(keyRoutes, { store, config, adminOnly: requireRole(['admin']) });
  await app.register(loginLinkRoutes, { store, config, adminOnly: requireRole(['admin']) });
  await app.register(ssoRoutes, { store, config, provider: sso, anyKey: requireRole(['admin', 'approver', 'scientist', 'scorer']) });
  await app.register(liveRoutes, { store, auth });
  await app.register(eventLogRoutes, { store, auth, adminOnly: requireRole(['admin']) });
  await app.register(dashboardRoutes);
  await app.register(metricsRoute, { metrics, auth });
  links.attach(app.server);

  // fastify names the scheme from its own options, not from the server our factory built.
  const scheme = (address: string) => (config.tls ? address.replace(/^http:/, 'https:') : address);
  const address = await app.listen({ host: config.host, port: config.port, listenTextResolver: (a) => `Server listening at ${scheme(a)}` });
  const url = scheme(address.replace('[::1]', '127.0.0.1'));
  log.info({ url }, 'coordinator listening');
  const resumed = runner.resumeUnfinished();
  if (resumed.length > 0) log.info({ jobs: resumed.length }, 'unfinished jobs wait for their parties');
  return {
    app, links, runner, store, url,
    async close() {
      await runner.close();
      stopTracking();
      await links.close();
      await app.close();
      monitor.flush();
      campaignStore.close();
      store.close();
    },
  };
}
