// The guest's last step of a lookalike job: from the population's scores (federated and bank-only)
// compute the quality figures on held-out seeds, keep the scores for re-cuts, write the audience.
// Returns only aggregates and the audience file's local path.
import type { Lookalike, LookalikeReport } from '../../../protocol/messages/lookalike.ts';
import { sigmoid } from '../../../models/linear/exact.ts';
import { recallAt, scoreDistribution } from '../../../models/lookalike/quality.ts';
import type { AudienceCut } from '../../../models/lookalike/audience.ts';
import { savePopulationScores, writeAudience } from './audience.ts';

export interface LookalikeOutcome {
  workDir: string;
  model: string;
  job: string;
  /** The guest's own IDs of the aligned rows, as in its file. */
  ids: string[];
  /** Scores of every aligned row (linear, or any score monotone in the model's probability): federated, and the guest's features alone (horizontal: the member's local-only model). */
  u: Float64Array;
  guestOnlyU: Float64Array;
  /** The federated model's probabilities when `u` is not linear (horizontal models predict them); default σ(u). */
  probabilities?: Float64Array;
  /** Aligned rows that are seeds, and the held-out ones among them (unlabelled in training). */
  seed: Uint8Array;
  heldOut: Uint8Array;
  listed: number;
  settings: Lookalike;
}

export function cutOf(settings: Pick<Lookalike, 'audienceFraction' | 'audienceSize'>): AudienceCut {
  return settings.audienceSize !== undefined ? { audienceSize: settings.audienceSize } : { audienceFraction: settings.audienceFraction ?? 0.2 };
}

export async function finishLookalike(o: LookalikeOutcome): Promise<LookalikeReport> {
  // The ranked pool: everyone but the training seeds, so held-out seeds compete with the unlabelled.
  const pool: number[] = [];
  let matched = 0;
  let heldOut = 0;
  for (let i = 0; i < o.seed.length; i++) {
    matched += o.seed[i] as number;
    heldOut += o.heldOut[i] as number;
    if (!o.seed[i] || o.heldOut[i]) pool.push(i);
  }
  const positive = Uint8Array.from(pool, (i) => o.heldOut[i] as number);
  const federated = recallAt(Float64Array.from(pool, (i) => o.u[i] as number), positive);
  const alone = recallAt(Float64Array.from(pool, (i) => o.guestOnlyU[i] as number), positive);
  const probabilities = o.probabilities ?? Float64Array.from(o.u, sigmoid);
  await savePopulationScores(o.workDir, o.model, o.job, { ids: o.ids, scores: probabilities, seed: o.seed, guestOnly: o.guestOnlyU });
  const audience = await writeAudience(o.workDir, o.model, o.job, { ids: o.ids, scores: probabilities, seed: o.seed }, cutOf(o.settings));
  return {
    seeds: { listed: o.listed, matched, training: matched - heldOut, heldOut },
    population: o.seed.length,
    ranked: pool.length,
    recall: federated.map((r, k) => ({ ...r, guestOnlyRecall: alone[k]?.recall as number, guestOnlyLift: alone[k]?.lift as number })),
    scoreDistribution: scoreDistribution(Float64Array.from(pool, (i) => probabilities[i] as number), positive),
    audience,
  };
}
