import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { FederationSchema, type Federation, type HflSchema } from '../../protocol/messages/horizontal.ts';
import { agreeOnSchema, sample } from './horizontal.ts';

const schema = (cols: Array<[string, 'numeric' | 'categorical']>): HflSchema => ({ features: cols.map(([name, type]) => ({ name, type })), trainRows: 10 });
const fed = (patch: Partial<Federation>): Federation => ({ ...(Value.Default(FederationSchema, {}) as Federation), ...patch });

describe('horizontal coordination', () => {
  it('agrees on the schema or names the member and the column', () => {
    const a = schema([['age', 'numeric'], ['income', 'numeric']]);
    expect(agreeOnSchema(['a', 'b'], new Map([['a', a], ['b', a]]))).toEqual(['age', 'income']);
    const cases: Array<[HflSchema, RegExp]> = [
      [schema([['age', 'numeric']]), /^member b: column "income": missing \(member a has it\)$/],
      [schema([['age', 'numeric'], ['income', 'categorical']]), /^member b: column "income": categorical here, numeric at member a$/],
      [schema([['age', 'numeric'], ['income', 'numeric'], ['tenure', 'numeric']]), /^member b: column "tenure": not a feature at member a$/],
    ];
    for (const [b, message] of cases) expect(() => agreeOnSchema(['a', 'b', 'c'], new Map([['a', a], ['b', b], ['c', a]]))).toThrow(message);
  });

  it('samples a seeded share of the live members, never fewer than minMembers', () => {
    const live = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const half = fed({ sampleFraction: 0.5, minMembers: 2 });
    const r1 = sample(live, half, 42, 1);
    expect(r1).toHaveLength(5);
    expect(sample(live, half, 42, 1)).toEqual(r1);
    const rounds = new Set(Array.from({ length: 10 }, (_, r) => sample(live, half, 42, r + 1).join()));
    expect(rounds.size).toBeGreaterThan(1);
    expect(sample(live, fed({ sampleFraction: 0.1, minMembers: 3 }), 42, 1)).toHaveLength(3);
    expect(sample(live, fed({ sampleFraction: 1 }), 42, 1)).toEqual(live);
  });
});
