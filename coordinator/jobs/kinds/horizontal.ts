// Horizontal jobs: a thin adapter around the rounds in ../horizontal.ts (schema agreement, secure
// aggregation, the members' reports and the model card), which own their messages through the
// job's waits.
import type { JobKindPlugin } from './kind.ts';
import { runHorizontal } from '../horizontal.ts';

export const horizontalKind: JobKindPlugin = {
  kind: 'horizontal',
  attach(spec) {
    if (spec.kind !== 'horizontal') return undefined;
    return {
      prepare: (party, common) => {
        const { parties: _parties, lookalike, ...sections } = spec;
        return { ...sections, ...common, ...(party.seeds ? { seeds: party.seeds, ...(lookalike ? { lookalike } : {}) } : {}) };
      },
      open: async (ctx) => ({
        run: () => runHorizontal({ job: ctx.job, spec, links: ctx.links, mailbox: ctx.links.requests, store: ctx.store, log: ctx.log, stepTimeoutMs: ctx.stepTimeoutMs }),
      }),
    };
  },
};
