import { describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { decideMode, diffFingerprints, mergePeer, reuseDomain, stateTag } from './reuse.ts';

/** Fingerprints 16 bytes each, built from small numbers so the expected diff can be read off. */
const fps = (...values: number[]) => {
  const out = new Uint8Array(values.length * 16);
  values.forEach((v, i) => out.fill(v, i * 16, (i + 1) * 16));
  return out;
};
const bytes = (fill: number, n = 32) => new Uint8Array(n).fill(fill);

describe('decideMode', () => {
  const tag = stateTag({ epoch: bytes(1), generation: 2, nextHandle: 10, job: 'job-2' });
  it('continues on equal tags, starts a new epoch otherwise, and reuses nothing unless both offer it', () => {
    expect(decideMode({ nonce: bytes(2), tag }, { nonce: bytes(3), tag })).toEqual({ kind: 'continue' });
    const other = stateTag({ epoch: bytes(1), generation: 3, nextHandle: 10, job: 'job-2' });
    expect(decideMode({ nonce: bytes(2), tag }, { nonce: bytes(3), tag: other }).kind).toBe('start');
    expect(decideMode({ nonce: bytes(2), tag }, { nonce: bytes(3) }).kind).toBe('start');
    expect(decideMode(undefined, { nonce: bytes(3), tag })).toEqual({ kind: 'fresh' });
    expect(decideMode({ nonce: bytes(2), tag }, undefined)).toEqual({ kind: 'fresh' });
  });

  it('derives the same new epoch at both sides from the two nonces, and a different one from other nonces or the other order', () => {
    const a = decideMode({ nonce: bytes(2) }, { nonce: bytes(3) });
    const b = decideMode({ nonce: bytes(2) }, { nonce: bytes(3) });
    const swapped = decideMode({ nonce: bytes(3) }, { nonce: bytes(2) });
    if (a.kind !== 'start' || b.kind !== 'start' || swapped.kind !== 'start') throw new Error('expected start');
    expect(a.epoch).toEqual(b.epoch);
    expect(a.epoch).not.toEqual(swapped.epoch);
    expect(reuseDomain(a.epoch)).toMatch(/^psi-reuse\/[0-9a-f]{64}$/);
  });

  it('tags differ in every field they cover', () => {
    const base = { epoch: bytes(1), generation: 2, nextHandle: 10, job: 'job-2' };
    const tags = [base, { ...base, epoch: bytes(9) }, { ...base, generation: 3 }, { ...base, nextHandle: 11 }, { ...base, job: 'job-3' }].map((s) => Buffer.from(stateTag(s)).toString('hex'));
    expect(new Set(tags).size).toBe(5);
  });
});

describe('diffFingerprints', () => {
  it('finds each current ID in the stored list, -1 for the new ones, and the stored ones gone', () => {
    const { storedIndex, removed } = diffFingerprints(fps(5, 1, 9, 3), fps(1, 2, 3, 4, 5));
    expect(Array.from(storedIndex)).toEqual([4, 0, -1, 2]);
    expect(Array.from(removed)).toEqual([1, 3]);
  });

  it('handles empty lists on either side', () => {
    expect(Array.from(diffFingerprints(fps(), fps(1, 2)).removed)).toEqual([0, 1]);
    expect(Array.from(diffFingerprints(fps(1, 2), fps()).storedIndex)).toEqual([-1, -1]);
  });
});

describe('mergePeer', () => {
  const state = { peerHandles: Uint32Array.of(0, 2, 5), peerValues: fps(10, 12, 15), nextHandle: 6 };
  it('drops the removed handles and appends the new ones from base', () => {
    const merged = mergePeer(state, Uint32Array.of(2), 6, fps(16, 17), 'insurer');
    expect(Array.from(merged.handles)).toEqual([0, 5, 6, 7]);
    expect(merged.values).toEqual(fps(10, 15, 16, 17));
  });

  it('refuses a removed handle it does not hold or one named twice, and new handles from another base', () => {
    const fails = (f: () => unknown, pattern: RegExp) => {
      expect(f).toThrow(FedmarkError);
      expect(f).toThrow(pattern);
    };
    fails(() => mergePeer(state, Uint32Array.of(3), 6, fps(), 'insurer'), /removed handle 3 is not held/);
    fails(() => mergePeer(state, Uint32Array.of(2, 2), 6, fps(), 'insurer'), /named twice/);
    fails(() => mergePeer(state, Uint32Array.of(), 7, fps(), 'insurer'), /new handles start at 7, the stored state expects 6/);
  });
});
