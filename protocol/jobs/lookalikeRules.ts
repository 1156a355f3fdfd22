// Rules for lookalike jobs beyond their schema: the seeds and audience settings go with
// purpose: lookalike and nowhere else, the seed holders' tables carry no label (the seeds are the
// positives), one audience cut at a time. Vertical: one seed list at the guest (top-level
// `seeds`); horizontal: each member its own (`parties.N.seeds`). Fills in the defaults.
import { Value } from '@sinclair/typebox/value';
import { LookalikeSchema, type Lookalike, type Seeds } from '../messages/lookalike.ts';
import type { HorizontalJobSpec, VerticalJobSpec } from '../messages/jobSpec.ts';
import type { JobProblem } from './problem.ts';

export function checkLookalike(spec: VerticalJobSpec | HorizontalJobSpec): JobProblem | undefined {
  if (spec.purpose !== 'lookalike') {
    if ('seeds' in spec && spec.seeds) return { field: 'seeds', reason: 'seeds go with purpose: lookalike' };
    const i = spec.parties.findIndex((p) => p.seeds);
    if (i >= 0) return { field: `parties.${i}.seeds`, reason: 'seeds go with purpose: lookalike' };
    if (spec.lookalike) return { field: 'lookalike', reason: 'lookalike settings go with purpose: lookalike' };
    return undefined;
  }
  const problem = spec.kind === 'horizontal' ? checkMemberSeeds(spec) : checkGuestSeeds(spec);
  if (problem) return problem;
  if (spec.parties.some((p) => p.evaluation)) return { field: 'parties', reason: 'a lookalike job measures itself on held-out seeds; evaluation tables are not used' };
  const settings = Value.Default(LookalikeSchema, structuredClone(spec.lookalike ?? {})) as Lookalike;
  if (settings.audienceFraction !== undefined && settings.audienceSize !== undefined) {
    return { field: 'lookalike', reason: 'give audienceFraction or audienceSize, not both' };
  }
  if (settings.audienceSize === undefined) settings.audienceFraction ??= 0.2;
  spec.lookalike = settings;
  return undefined;
}

function checkGuestSeeds(spec: VerticalJobSpec): JobProblem | undefined {
  const member = spec.parties.findIndex((p) => p.seeds);
  if (member >= 0) return { field: `parties.${member}.seeds`, reason: 'a vertical lookalike takes one seed list at the guest: the top-level seeds' };
  if (!spec.seeds) return { field: 'seeds', reason: 'a lookalike job needs seeds: { path, idColumn }, a file at the guest' };
  const source = oneSource(spec.seeds, 'seeds', 'the guest');
  if (source) return source;
  const guest = spec.parties.findIndex((p) => p.role === 'guest');
  if (spec.parties[guest]?.data.labelColumn !== undefined) {
    return { field: `parties.${guest}.data.labelColumn`, reason: 'a lookalike job takes its positives from seeds; remove labelColumn' };
  }
  return undefined;
}

/** Horizontal: every member ranks its own customers from its own seeds, which never leave it. */
function checkMemberSeeds(spec: HorizontalJobSpec): JobProblem | undefined {
  for (const [i, p] of spec.parties.entries()) {
    if (!p.seeds) return { field: `parties.${i}.seeds`, reason: `member ${p.id} needs seeds: { path, idColumn }, a file at the member (its customers who converted)` };
    const source = oneSource(p.seeds, `parties.${i}.seeds`, `member ${p.id}`);
    if (source) return source;
    if (p.data.labelColumn !== undefined) return { field: `parties.${i}.data.labelColumn`, reason: `member ${p.id}: a lookalike job takes its positives from seeds; remove labelColumn` };
  }
  return undefined;
}

function oneSource(seeds: Seeds, field: string, holder: string): JobProblem | undefined {
  if ((seeds.path === undefined) === (seeds.upload === undefined)) {
    return { field, reason: `give path (a file at ${holder}) or upload (the name of a list uploaded with fedmark seeds upload), one of them` };
  }
  return undefined;
}
