import { describe, expect, it } from 'vitest';
import { refusalReason } from './refusal.fixture.ts';
import { makeLayout, recommendChunkLength, resultPositions } from '../../protocol/he/layout.ts';
import { DecryptPolicy } from './decryptPolicy.ts';
import { logistic } from '../../models/vertical/logistic/index.ts';
import { innerProductLayouts } from '../../protocol/vertical/encrypted.ts';

const N = 8192;
const counts = [11, 20];
const rows = 400;
const layout = makeLayout(N, rows, recommendChunkLength(N, rows, counts));
const parties = ['bank', 'insurer'];
// The policy with the rules of the model these steps belong to: logistic regression, 3 epochs of batches of at most 512 rows.
const policy = () => new DecryptPolicy({ job: 'job-1', parties, rules: logistic.arbiter.rules({ parties, sections: { training: { epochs: 3, batchSize: 512 } }, layouts: innerProductLayouts(N) }) });
const step = (epoch: number, batch = 0) => ({ epoch, batch, rows, counts });
const at = (features: number) => [resultPositions(layout, Math.min(layout.k, features))];

const reason = refusalReason;

describe('the arbiter decryption policy', () => {
  it('admits each party its step results once, at the layout result positions', () => {
    const p = policy();
    expect(layout.k).toBeGreaterThanOrEqual(20);
    expect(reason(() => p.admit('bank', step(0), 0, at(11)))).toBeUndefined();
    expect(reason(() => p.admit('insurer', step(0), 0, at(20)))).toBeUndefined();
    expect(reason(() => p.admit('insurer', step(0), 0, at(20)))).toMatch(/already decrypted/);
    expect(reason(() => p.admit('bank', step(1), 1, at(11)))).toMatch(/over that quota/);
  });

  it('refuses non-members, foreign positions, other feature counts and steps past the job', () => {
    const p = policy();
    expect(reason(() => p.admit('mallory', step(0), 0, at(11)))).toBe('it is not a party of this job');
    const everything = [Array.from({ length: N }, (_, i) => i)];
    expect(reason(() => p.admit('insurer', step(0), 0, everything))).toMatch(/only the 20 result positions/);
    expect(reason(() => p.admit('insurer', step(0), 0, [[0]]))).toMatch(/only the 20 result positions/);
    expect(reason(() => p.admit('bank', step(0), 0, at(11)))).toBeUndefined();
    expect(reason(() => p.admit('insurer', { ...step(0), counts: [11, 400] }, 0, at(20)))).toMatch(/feature counts differ/);
    expect(reason(() => p.admit('insurer', { ...step(0), rows: 401 }, 0, at(20)))).toMatch(/has 400 rows/);
    expect(reason(() => p.admit('insurer', { ...step(0), rows: 4096 }, 0, at(20)))).toMatch(/larger than the batch size/);
    expect(reason(() => policy().admit('bank', step(3), 0, at(11)))).toMatch(/past the job's 3 epochs/);
  });

  it('keeps parties in lock-step, so that no one can invent steps to raise its quota', () => {
    const p = policy();
    expect(reason(() => p.admit('insurer', step(0), 0, at(20)))).toBeUndefined();
    expect(reason(() => p.admit('insurer', step(1), 0, at(20)))).toMatch(/ahead of the other parties/);
    expect(reason(() => p.admit('bank', step(0), 0, at(11)))).toBeUndefined();
    expect(reason(() => p.admit('insurer', step(1), 0, at(20)))).toBeUndefined();
    expect(reason(() => p.admit('insurer', step(0), 0, at(20)))).toMatch(/comes after step 1\/0/);
  });
});
