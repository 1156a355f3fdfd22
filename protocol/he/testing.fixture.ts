// Shared by the HE tests: one BFV context with arbiter keys per test file, catching a FedmarkError
// as data, and a small seeded generator (mulberry32) for reproducible test inputs. (models/random.ts
// has the same generator, but protocol/ does not import models/.)
import { afterAll, beforeAll } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { createBfv, generateArbiterKeys, loadPublicKey, type ArbiterKeys, type Bfv, type PartyKey } from './bfv.ts';

export interface BfvSetup {
  bfv: Bfv;
  keys: ArbiterKeys;
  party: PartyKey;
}

/** Creates the context and keys before the file's tests and frees them after; read the fields inside tests. */
export function useBfv(): BfvSetup {
  const setup = {} as BfvSetup;
  beforeAll(async () => {
    setup.bfv = await createBfv();
    setup.keys = generateArbiterKeys(setup.bfv);
    setup.party = loadPublicKey(setup.bfv, setup.keys.publicBytes);
  });
  afterAll(() => {
    setup.party.dispose();
    setup.keys.secret.dispose();
    setup.bfv.dispose();
  });
  return setup;
}

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
