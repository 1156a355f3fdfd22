// The expansion audience: the best-scored candidates (the population minus every seed), as many
// as `audienceSize`, or `audienceFraction` of the candidates. Random picking would find that
// same fraction of any hidden group, which makes the fraction the random baseline.

import { checkInteger, checkNumber, inputError } from '../check.ts';
import { descendingOrder } from './order.ts';

export type AudienceCut = { audienceFraction: number; audienceSize?: undefined } | { audienceSize: number; audienceFraction?: undefined };

/** The number of candidates the cut selects (at most all of them). */
export function audienceSizeFor(cut: AudienceCut, candidates: number): number {
  checkInteger('candidates', candidates, 0);
  if (cut.audienceSize !== undefined) return Math.min(candidates, checkInteger('audienceSize', cut.audienceSize, 1));
  checkNumber('audienceFraction', cut.audienceFraction, 0, 1, { min: true });
  return Math.min(candidates, Math.round(cut.audienceFraction * candidates));
}

/** Row indices of the audience, best first. `excluded[i] = 1` marks seeds (never in the audience). */
export function rankAudience(scores: Float64Array, excluded: Uint8Array, size: number): Uint32Array {
  if (excluded.length !== scores.length) throw inputError('excluded', `${scores.length} flags`, String(excluded.length));
  const candidates: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!excluded[i]) candidates.push(i);
  checkInteger('size', size, 0, candidates.length);
  return descendingOrder(scores, candidates).slice(0, size);
}
