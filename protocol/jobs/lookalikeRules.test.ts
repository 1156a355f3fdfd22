import { describe, expect, it } from 'vitest';
import { checkJobSpec } from './validate.ts';

const lookalike = (extra: Record<string, unknown> = {}, guestData: Record<string, unknown> = {}) => ({
  name: 'la',
  kind: 'vertical',
  purpose: 'lookalike',
  parties: [
    { id: 'bank', role: 'guest', data: { path: '/a.csv', idColumn: 'id', ...guestData } },
    { id: 'partner', role: 'host', data: { path: '/b.csv', idColumn: 'id' } },
  ],
  seeds: { path: '/seeds.csv', idColumn: 'customer_id' },
  ...extra,
});

function problem(input: unknown): { field: string; reason: string } | undefined {
  const got = checkJobSpec(input);
  return 'problem' in got ? got.problem : undefined;
}

describe('lookalike job rules', () => {
  it('fills the defaults: the top 20% of the candidates, 20% of the seeds held out, at least 50 seeds', () => {
    const got = checkJobSpec(lookalike());
    if (!('spec' in got)) throw new Error(got.problem.reason);
    expect(got.spec.lookalike).toEqual({ audienceFraction: 0.2, holdout: 0.2, minSeeds: 50 });
    expect(got.spec.training?.epochs).toBe(30);
  });

  it('keeps an audience size instead of a fraction', () => {
    const got = checkJobSpec(lookalike({ lookalike: { audienceSize: 5000 } }));
    expect('spec' in got && got.spec.lookalike).toEqual({ audienceSize: 5000, holdout: 0.2, minSeeds: 50 });
  });

  it('names the field of each problem', () => {
    expect(problem(lookalike({ seeds: undefined }))).toMatchObject({ field: 'seeds', reason: expect.stringMatching(/needs seeds/) });
    expect(problem(lookalike({}, { labelColumn: 'y' }))).toMatchObject({ field: 'parties.0.data.labelColumn', reason: expect.stringMatching(/positives from seeds/) });
    expect(problem(lookalike({ lookalike: { audienceSize: 10, audienceFraction: 0.1 } }))).toMatchObject({ field: 'lookalike', reason: expect.stringMatching(/not both/) });
    expect(problem(lookalike({ lookalike: { holdout: 0.95 } }))?.field).toBe('lookalike.holdout');
    expect(problem(lookalike({ seeds: { path: '/s.csv' } }))?.field).toBe('seeds.idColumn');
    expect(problem(lookalike({ seeds: { path: '/s.csv', upload: 'q3', idColumn: 'id' } }))).toMatchObject({ field: 'seeds', reason: expect.stringMatching(/path .* or upload/) });
    expect(problem(lookalike({ seeds: { idColumn: 'id' } }))?.field).toBe('seeds');
    expect(problem(lookalike({ seeds: { upload: '../etc', idColumn: 'id' } }))?.field).toBe('seeds.upload');
    expect(problem(lookalike({ kind: 'psi' }))).toMatchObject({ field: 'purpose', reason: expect.stringMatching(/vertical/) });
    expect(problem(lookalike({ purpose: undefined }))).toMatchObject({ field: 'seeds', reason: expect.stringMatching(/purpose: lookalike/) });
    expect(problem(lookalike({ purpose: 'propensity', seeds: undefined, lookalike: { holdout: 0.3 } }))).toMatchObject({ field: 'lookalike' });
  });
});
