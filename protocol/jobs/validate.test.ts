import { describe, expect, it } from 'vitest';
import { checkJobSpec } from './validate.ts';

const data = (path: string) => ({ path, idColumn: 'id' });
const base = () => ({
  name: 'j',
  kind: 'psi',
  parties: [
    { id: 'bank', role: 'guest', data: { ...data('/a.csv'), labelColumn: 'y' } },
    { id: 'insurer', role: 'host', data: data('/b.csv') },
  ],
});

describe('job spec rules', () => {
  it('accepts a PSI job with one guest and several hosts', () => {
    const spec = base();
    spec.parties.push({ id: 'broker', role: 'host', data: data('/c.csv') });
    expect('spec' in checkJobSpec(spec)).toBe(true);
  });

  it('accepts tables named by dataset only: the ID column may come from the party\'s catalogue', () => {
    const spec = { ...base(), parties: [{ id: 'bank', role: 'guest', data: { dataset: 'crm', labelColumn: 'y' } }, { id: 'insurer', role: 'host', data: { dataset: 'policies' } }] };
    expect('spec' in checkJobSpec(spec)).toBe(true);
  });

  it('names the field of the first problem', () => {
    const cases: Array<[(s: ReturnType<typeof base>) => unknown, string, RegExp]> = [
      [(s) => ({ ...s, kynd: 'psi' }), 'kynd', /unexpected|additional/i],
      [(s) => ({ ...s, parties: [s.parties[0]] }), 'parties', /2/],
      [(s) => ({ ...s, parties: [s.parties[0], { ...s.parties[1], role: 'hots' }] }), 'parties.1.role', /./],
      [(s) => ({ ...s, parties: [s.parties[0], { ...s.parties[1], id: 'bank' }] }), 'parties.1.id', /listed twice/],
      [(s) => ({ ...s, parties: [s.parties[0], { ...s.parties[1], role: 'guest' }] }), 'parties', /exactly one guest, found 2/],
      [(s) => ({ ...s, parties: [s.parties[0], { ...s.parties[1], data: { path: '/b.csv' } }] }), 'parties.1.data.idColumn', /./],
      [(s) => ({ ...s, parties: [s.parties[0], { ...s.parties[1], data: { idColumn: 'id' } }] }), 'parties.1.data', /name a dataset/],
      [(s) => ({ ...s, parties: [s.parties[0], { ...s.parties[1], data: { dataset: 'crm', path: '/b.csv', idColumn: 'id' } }] }), 'parties.1.data', /not both/],
      [(s) => ({ ...s, parties: [s.parties[0], { ...s.parties[1], data: { dataset: '../crm' } }] }), 'parties.1.data.dataset', /match/],
    ];
    for (const [make, field, reason] of cases) {
      const got = checkJobSpec(make(base()));
      expect('problem' in got ? got.problem.field : 'accepted').toBe(field);
      if ('problem' in got) expect(got.problem.reason).toMatch(reason);
    }
  });

  it('horizontal: members with labels and evaluation tables, federation defaults, no epochs', () => {
    const members = () => [...base().parties, { id: 'broker', role: 'host', data: data('/c.csv') }].map((p) => ({ ...p, role: 'member', data: { ...p.data, labelColumn: 'y' }, evaluation: { path: '/t.csv' } }));
    const got = checkJobSpec({ ...base(), kind: 'horizontal', model: 'mlp', parties: members() });
    expect('spec' in got && got.spec.kind === 'horizontal' && got.spec.federation).toEqual({
      strategy: 'fedavg', rounds: 1000, localEpochs: 1, stopping: { patience: 5, minDelta: 0.0001, minRounds: 10 },
      sampleFraction: 1, minMembers: 3, roundTimeoutSeconds: 300, onDropout: 'continue', hidden: [32, 16],
    });
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ parties: base().parties }, 'parties.0.role', /role member/],
      [{ parties: members().map((p, i) => (i === 1 ? { ...p, data: { ...p.data, labelColumn: undefined } } : p)) }, 'parties.1.data.labelColumn', /holds labels/],
      [{ parties: members().map((p) => ({ ...p, evaluation: undefined })) }, 'parties.0.evaluation', /evaluation table/],
      [{ parties: members(), training: { epochs: 5 } }, 'training.epochs', /federation.rounds/],
      [{ parties: members(), federation: { minMembers: 4 } }, 'federation.minMembers', /more than the 3 members/],
      [{ parties: members(), federation: { minMembers: 2 } }, 'federation.minMembers', /each contributor reads the other's update; use 3 or more \(2 only with dp/],
      [{ parties: members(), federation: { minMembers: 1, dp: { clip: 1, noiseMultiplier: 1 } } }, 'federation.minMembers', /./],
      [{ parties: members().slice(0, 2) }, 'federation.minMembers', /3 is more than the 2 members/],
      [{ parties: members(), federation: { onDropout: 'retry' } }, 'federation.onDropout', /./],
      [{ parties: members(), federation: { strategy: 'fedadam' } }, 'federation.strategy', /./],
      [{ parties: members(), federation: { mu: 0.1 } }, 'federation.mu', /FedAvg has no proximal term; set strategy: fedprox/],
      [{ parties: members(), federation: { strategy: 'fedprox' } }, 'federation.mu', /FedProx needs its proximal weight/],
      [{ parties: members(), federation: { stopping: { patience: 0 } } }, 'federation.stopping.patience', /./],
      [{ parties: members(), federation: { dp: { clip: 1, noiseMultiplier: 1 } } }, 'federation.rounds', /with dp no evaluation loss is pooled .* give the number of rounds/],
      [{ parties: members(), federation: { rounds: 5, stopping: { patience: 2 }, dp: { clip: 1, noiseMultiplier: 1 } } }, 'federation.stopping', /with dp/],
    ];
    for (const [patch, field, reason] of cases) {
      const spec = JSON.parse(JSON.stringify({ ...base(), kind: 'horizontal', ...patch }));
      const bad = checkJobSpec(spec);
      expect('problem' in bad ? bad.problem.field : 'accepted').toBe(field);
      if ('problem' in bad) expect(bad.problem.reason).toMatch(reason);
    }
    const twoWithDp = checkJobSpec({ ...base(), kind: 'horizontal', parties: members().slice(0, 2), federation: { rounds: 5, minMembers: 2, dp: { clip: 1, noiseMultiplier: 1 } } });
    expect('spec' in twoWithDp && twoWithDp.spec.kind === 'horizontal' && twoWithDp.spec.federation?.minMembers).toBe(2);
    const prox = checkJobSpec({ ...base(), kind: 'horizontal', parties: members(), federation: { strategy: 'fedprox', mu: 0.1, localEpochs: 5 } });
    expect('spec' in prox && prox.spec.kind === 'horizontal' && prox.spec.federation).toMatchObject({ strategy: 'fedprox', mu: 0.1, localEpochs: 5 });
    const vertical = checkJobSpec({ ...base(), kind: 'vertical', federation: { rounds: 2 } });
    expect('problem' in vertical && vertical.problem.field).toBe('federation');
  });

  it('fills training defaults for a vertical job and needs the guest to hold labels', () => {
    const got = checkJobSpec({ ...base(), kind: 'vertical', training: { epochs: 3 } });
    expect('spec' in got && got.spec.kind === 'vertical' && got.spec.training).toMatchObject({ epochs: 3, batchSize: 65_536, learningRate: 0.5, seed: 42 });
    const spec = base();
    delete (spec.parties[0]?.data as { labelColumn?: string }).labelColumn;
    const bad = checkJobSpec({ ...spec, kind: 'vertical' });
    expect('problem' in bad && bad.problem.field).toBe('parties.0.data.labelColumn');
  });

  it('refuses a job name that is not one safe folder name, naming the field', () => {
    for (const ok of ['j', 'breast-propensity', 'bank-marketing-lookalike-horizontal', 'q3.v2_test', 'a'.repeat(63)]) {
      expect('spec' in checkJobSpec({ ...base(), name: ok }), ok).toBe(true);
    }
    for (const bad of ['../../x', '..', '.hidden', 'a/b', 'a\\b', 'Propensity', 'with space', '', 'a'.repeat(64), 'x'.repeat(250)]) {
      const got = checkJobSpec({ ...base(), name: bad });
      expect('problem' in got ? got.problem.field : 'accepted', bad).toBe('name');
    }
    const long = checkJobSpec({ ...base(), name: 'x'.repeat(250) });
    expect('problem' in long && long.problem.reason).toMatch(/250 characters is too long/);
  });

  it('refuses a labelColumn on a host, naming the field', () => {
    for (const kind of ['psi', 'vertical']) {
      const spec = base();
      (spec.parties[1]?.data as { labelColumn?: string }).labelColumn = 'y';
      const got = checkJobSpec({ ...spec, kind });
      expect('problem' in got ? got.problem.field : 'accepted').toBe('parties.1.data.labelColumn');
      if ('problem' in got) expect(got.problem.reason).toMatch(/host holds no labels/);
    }
  });
});
