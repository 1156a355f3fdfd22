// The arbiter's rules for federated information value (models/explain/ivRules.ts) as the
// coordinator applies them, with the layouts of the real BFV parameters: after training, a host may
// have decrypted one value per bin column it declared, once, at the layout's result positions; the
// guest nothing; a host asking for more, elsewhere, again, or in a job without explain.iv is refused.
import { describe, expect, it } from 'vitest';
import { refusalReason } from './refusal.fixture.ts';
import { makeLayout, recommendChunkLength, resultPositions } from '../../protocol/he/layout.ts';
import { DecryptPolicy } from './decryptPolicy.ts';
import { logistic } from '../../models/vertical/logistic/index.ts';
import { innerProductLayouts } from '../../protocol/vertical/encrypted.ts';

const N = 8192;
const rows = 21_000;
const parties = ['bank', 'insurer'];
const counts = [0, 95];
const layout = makeLayout(N, rows, recommendChunkLength(N, rows, counts));
const ivStep = { iv: true, rows, counts };
const training = { epochs: 1, batchSize: 65_536 };

function policy(explain?: object): DecryptPolicy {
  const sections = { training, ...(explain ? { explain } : {}) };
  return new DecryptPolicy({ job: 'job-1', parties, rules: logistic.arbiter.rules({ parties, sections, layouts: innerProductLayouts(N) }) });
}

/** The result positions of every group of `columns` columns in layout `l`. */
function groups(columns: number, l = layout): number[][] {
  return Array.from({ length: Math.ceil(columns / l.k) }, (_, g) => resultPositions(l, Math.min(l.k, columns - g * l.k)));
}

const reason = refusalReason;

describe('the arbiter and federated information value', () => {
  it('gives a host one value per declared bin column, once, after training', () => {
    const p = policy({ iv: true });
    const train = { epoch: 0, batch: 0, rows, counts: [11, 95] };
    expect(reason(() => p.admit('bank', train, 0, groups(11, makeLayout(N, rows, recommendChunkLength(N, rows, train.counts)))))).toBeUndefined();
    expect(reason(() => p.admit('insurer', ivStep, 0, groups(95)))).toBeUndefined();
    expect(reason(() => p.admit('insurer', ivStep, 0, groups(95)))).toMatch(/already decrypted/);
    // Training is over for the host: its IV step came after every training step.
    expect(reason(() => p.admit('insurer', { ...train, batch: 1 }, 0, [[0]]))).toMatch(/comes after step/);
  });

  it('refuses positions outside the quota: more results, other coefficients, the guest, other counts, a job without IV', () => {
    const tooMany = groups(95).length;
    expect(reason(() => policy({ iv: true }).admit('insurer', ivStep, tooMany, [resultPositions(layout, 1)]))).toMatch(/over that quota/);
    expect(reason(() => policy({ iv: true }).admit('insurer', ivStep, 0, [Array.from({ length: 95 }, (_, i) => i)]))).toMatch(/only the \d+ result positions/);
    expect(reason(() => policy({ iv: true }).admit('insurer', ivStep, 0, [[...(groups(95)[0] as number[]), 5]]))).toMatch(/only the \d+ result positions/);
    expect(reason(() => policy({ iv: true }).admit('bank', ivStep, 0, [resultPositions(layout, 1)]))).toBe('the guest computes its own information value in plaintext');
    expect(reason(() => policy({ iv: true }).admit('insurer', { ...ivStep, counts: [0, 95, 3] }, 0, groups(95)))).toMatch(/3 column counts for a job of 2 parties/);
    expect(reason(() => policy({ iv: false }).admit('insurer', ivStep, 0, groups(95)))).toMatch(/asks for no information value/);
    expect(reason(() => policy().admit('insurer', ivStep, 0, groups(95)))).toMatch(/asks for no information value/);
    const p = policy({ iv: true });
    expect(reason(() => p.admit('insurer', ivStep, 0, groups(95)))).toBeUndefined();
    expect(reason(() => p.admit('insurer', { ...ivStep, counts: [0, 200] }, 0, groups(200)))).toMatch(/differ from those of the job's other requests/);
  });
});
