// Shared by the HE tests: catching a FedmarkError as data, and a small seeded generator (mulberry32)
// for reproducible test inputs.
import { FedmarkError } from '../errors.ts';

export function failure(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof FedmarkError) return { code: err.code, message: err.message };
    return { code: 'not a FedmarkError', message: String(err) };
  }
  return undefined;
}

export function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
