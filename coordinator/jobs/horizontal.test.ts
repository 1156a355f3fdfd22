import { describe, expect, it } from 'vitest';
import type { HflSchema } from '../../protocol/messages/horizontal.ts';
import { agreeOnSchema } from './horizontal.ts';

const schema = (cols: Array<[string, 'numeric' | 'categorical']>): HflSchema => ({ features: cols.map(([name, type]) => ({ name, type })), trainRows: 10 });

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
});
