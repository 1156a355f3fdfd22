import { describe, expect, it } from 'vitest';
import { hashOrder } from './hashOrder.ts';
import { validationMask } from './hashSplit.ts';

const ids = Array.from({ length: 500 }, (_, i) => `cust-${i * 7919}`);

describe('hashOrder', () => {
  it('is a permutation that depends on the IDs and the seed, not on the order they come in', () => {
    const order = hashOrder(ids, 42);
    expect([...order].sort((a, b) => a - b)).toEqual([...ids.keys()]);
    const shuffled = [...ids].reverse();
    const a = Array.from(order, (i) => ids[i]);
    const b = Array.from(hashOrder(shuffled, 42), (i) => shuffled[i]);
    expect(b).toEqual(a);
    expect(Array.from(hashOrder(ids, 43), (i) => ids[i])).not.toEqual(a);
  });

  it('is not the input order and not tied to the validation split', () => {
    const order = hashOrder(ids, 42);
    expect([...order].slice(0, 20)).not.toEqual([...ids.keys()].slice(0, 20));
    // Validation rows are spread over the whole order, not gathered at one end.
    const mask = validationMask(ids, 0.3, 42);
    const firstHalf = Array.from(order.subarray(0, 250), (i) => mask[i] as number).reduce((s, v) => s + v, 0);
    const secondHalf = Array.from(order.subarray(250), (i) => mask[i] as number).reduce((s, v) => s + v, 0);
    expect(Math.abs(firstHalf - secondHalf)).toBeLessThan(30);
  });

  it('names a bad argument', () => {
    expect(() => hashOrder(['a', 3 as unknown as string], 1)).toThrow(/normalisedIds\[1\]/);
    expect(() => hashOrder(['a'], -1)).toThrow(/seed/);
  });
});
