// What a party checks itself in a job the coordinator sent, before it touches a file: the
// coordinator validates jobs when they are submitted, but one that skipped the check (or was
// modified to) could send a name that walks out of the work folder, or ask a host to read and
// count a label column the job never uses.
import { FedmarkError } from '../../errors/table.ts';
import { nameProblem } from '../../protocol/jobs/names.ts';
import type { BodyOf } from '../../protocol/messages/index.ts';

const FROM_COORDINATOR = 'sent by the coordinator';

export function checkPrepare(job: string, body: BodyOf<'job.prepare'>): void {
  for (const [field, value] of [['job id', job], ['name', body.name]] as const) {
    const reason = nameProblem(value);
    if (reason) throw new FedmarkError('FM_ERR_JOB_INVALID', { file: FROM_COORDINATOR, field, reason });
  }
  if (body.role === 'host' && body.dataset.labelColumn !== undefined) {
    throw new FedmarkError('FM_ERR_JOB_INVALID', { file: FROM_COORDINATOR, field: 'dataset.labelColumn', reason: 'a host holds no labels in this job; this party does not read one' });
  }
}
