// Prometheus metrics of the coordinator: jobs by state, training epochs, bytes and frames on each
// party's link, HTTP calls, and scoring latency. Counts and sizes only: no label ever holds an ID,
// a value or a model input.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_STATES } from '../protocol/messages/jobSpec.ts';
import type { FrameTap, PartyLinks } from './links.ts';
import type { JobRunner } from './jobs/runner.ts';
import type { Store } from './store.ts';

export class CoordinatorMetrics {
  readonly registry = new Registry();
  private readonly linkBytes: Counter<'party' | 'direction'>;
  private readonly linkFrames: Counter<'party' | 'direction'>;

  constructor(store: Store) {
    collectDefaultMetrics({ register: this.registry, prefix: 'fedmark_' });
    new Gauge({
      name: 'fedmark_jobs', help: 'Jobs in the store by state', labelNames: ['state'], registers: [this.registry],
      collect() {
        const counts = store.jobCountsByState();
        for (const state of new Set([...JOB_STATES, ...Object.keys(counts)])) this.set({ state }, counts[state] ?? 0);
      },
    });
    this.linkBytes = new Counter({ name: 'fedmark_link_bytes_total', help: 'Bytes on party links, by party and direction (in: from the party)', labelNames: ['party', 'direction'], registers: [this.registry] });
    this.linkFrames = new Counter({ name: 'fedmark_link_frames_total', help: 'Frames on party links, by party and direction', labelNames: ['party', 'direction'], registers: [this.registry] });
  }

  /** Counts every frame on the party links; chains to another tap (tests) when given. */
  linkTap(next?: FrameTap): FrameTap {
    return (event) => {
      this.linkBytes.inc({ party: event.party, direction: event.direction }, event.bytes.length);
      this.linkFrames.inc({ party: event.party, direction: event.direction });
      next?.(event);
    };
  }

  /** Epochs, parties online, HTTP calls and scoring latency, from the components that know them. */
  observe(app: FastifyInstance, runner: JobRunner, links: PartyLinks): void {
    const epochs = new Counter({ name: 'fedmark_training_epochs_total', help: 'Training epochs reported by guests', registers: [this.registry] });
    runner.progress.on('progress', () => epochs.inc());
    new Gauge({
      name: 'fedmark_parties_online', help: 'Configured parties with a live link (1) or not (0)', labelNames: ['party'], registers: [this.registry],
      collect() {
        for (const p of links.status()) this.set({ party: p.id }, p.online ? 1 : 0);
      },
    });
    const http = new Counter({ name: 'fedmark_http_requests_total', help: 'API calls by route pattern and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
    const scoring = new Histogram({
      name: 'fedmark_scoring_seconds', help: 'Scoring calls answered with 200, end to end at the coordinator (kind: online or batch)',
      labelNames: ['kind'], buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60], registers: [this.registry],
    });
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? '(no route)';
      http.inc({ method: request.method, route, status: String(reply.statusCode) });
      if (reply.statusCode !== 200) return;
      if (route.endsWith('/score')) scoring.observe({ kind: 'online' }, reply.elapsedTime / 1000);
      else if (route.endsWith('/batch-score')) scoring.observe({ kind: 'batch' }, reply.elapsedTime / 1000);
    });
  }
}
