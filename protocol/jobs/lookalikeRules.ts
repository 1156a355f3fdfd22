// Rules for lookalike jobs beyond their schema: the seeds and audience settings go with
// purpose: lookalike and nowhere else, the guest's table carries no label (the seeds are the
// positives), one audience cut at a time. Fills in the defaults.
import { Value } from '@sinclair/typebox/value';
import { LookalikeSchema, type Lookalike } from '../messages/lookalike.ts';
import type { JobSpec } from '../messages/jobSpec.ts';
import type { JobProblem } from './validate.ts';

export function checkLookalike(spec: JobSpec): JobProblem | undefined {
  if (spec.purpose !== 'lookalike') {
    if (spec.seeds) return { field: 'seeds', reason: 'seeds go with purpose: lookalike' };
    if (spec.lookalike) return { field: 'lookalike', reason: 'lookalike settings go with purpose: lookalike' };
    return undefined;
  }
  if (spec.kind !== 'vertical') return { field: 'purpose', reason: `a lookalike job is vertical in this version (kind ${spec.kind})` };
  if (!spec.seeds) return { field: 'seeds', reason: 'a lookalike job needs seeds: { path, idColumn }, a file at the guest' };
  if ((spec.seeds.path === undefined) === (spec.seeds.upload === undefined)) {
    return { field: 'seeds', reason: 'give path (a file at the guest) or upload (the name of a list uploaded with fedmark seeds upload), one of them' };
  }
  const guest = spec.parties.findIndex((p) => p.role === 'guest');
  if (spec.parties[guest]?.data.labelColumn !== undefined) {
    return { field: `parties.${guest}.data.labelColumn`, reason: 'a lookalike job takes its positives from seeds; remove labelColumn' };
  }
  if (spec.parties.some((p) => p.evaluation)) return { field: 'parties', reason: 'a lookalike job measures itself on held-out seeds; evaluation tables are not used' };
  const settings = Value.Default(LookalikeSchema, structuredClone(spec.lookalike ?? {})) as Lookalike;
  if (settings.audienceFraction !== undefined && settings.audienceSize !== undefined) {
    return { field: 'lookalike', reason: 'give audienceFraction or audienceSize, not both' };
  }
  if (settings.audienceSize === undefined) settings.audienceFraction ??= 0.2;
  spec.lookalike = settings;
  return undefined;
}
