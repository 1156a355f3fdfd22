// Re-cutting a lookalike audience at the guest: from the stored population scores, at another
// size, without retraining. Only the new file's local path and size go back to the coordinator.
import type { Logger } from 'pino';
import { FedmarkError } from '../../../errors/table.ts';
import type { BodyOf } from '../../../protocol/messages/index.ts';
import { readPopulationScores, writeAudience } from './audience.ts';
import { cutOf } from './report.ts';

export async function recutAudience(workDir: string, body: BodyOf<'audience.cut'>, log: Logger): Promise<BodyOf<'audience.written'>> {
  if ((body.audienceFraction === undefined) === (body.audienceSize === undefined)) {
    throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'audienceFraction', reason: 'give audienceFraction or audienceSize, one of them' });
  }
  const scores = await readPopulationScores(workDir, body.model, body.modelJob);
  const written = await writeAudience(workDir, body.model, body.modelJob, scores, cutOf(body));
  log.info({ model: body.model, size: written.size }, 'audience re-cut');
  return written;
}
