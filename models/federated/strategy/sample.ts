// Which live members train in a round: a seeded sample of ⌈fraction·live⌉, at least minMembers, the
// same at every run for the same seed (the coordinator knows the sample: no privacy amplification
// by sampling is claimed for dp).
import { deriveSeed, permutation } from '../../random.ts';

export function sampleMembers(live: readonly string[], o: { sampleFraction: number; minMembers: number }, seed: number, round: number): string[] {
  const k = Math.min(live.length, Math.max(o.minMembers, Math.ceil(o.sampleFraction * live.length)));
  if (k >= live.length) return [...live];
  const order = permutation(live.length, deriveSeed(seed, round));
  return Array.from(order.subarray(0, k), (i) => live[i] as string).sort();
}
