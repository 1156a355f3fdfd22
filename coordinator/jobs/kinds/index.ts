// The job kinds the coordinator runs, one line each.
import { FedmarkError } from '../../../errors/table.ts';
import type { JobSpec } from '../../../protocol/messages/jobSpec.ts';
import type { JobKindPlugin, KindJob } from './kind.ts';
import { psiKind } from './psi.ts';
import { verticalKind } from './vertical.ts';
import { horizontalKind } from './horizontal.ts';

const KINDS: ReadonlyMap<string, JobKindPlugin> = new Map([psiKind, verticalKind, horizontalKind].map((k) => [k.kind, k]));

/** The job bound to the plug-in of its kind; FM_ERR_JOB_INVALID for a kind none runs. */
export function kindOf(spec: JobSpec, kinds: ReadonlyMap<string, JobKindPlugin> = KINDS): KindJob {
  const job = kinds.get(spec.kind)?.attach(spec);
  if (!job) throw new FedmarkError('FM_ERR_JOB_INVALID', { file: spec.name, field: 'kind', reason: `no job kind "${String(spec.kind)}" here (${[...kinds.keys()].join(', ')})` });
  return job;
}
