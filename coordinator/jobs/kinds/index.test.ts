import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { JobPrepare } from '../../../protocol/messages/job.ts';
import type { JobSpec } from '../../../protocol/messages/jobSpec.ts';
import { checkJobSpec } from '../../../protocol/jobs/validate.ts';
import { kindOf } from './index.ts';
import type { PrepareCommon } from './kind.ts';

const table = (path: string) => ({ path, idColumn: 'id' });
const accepted = (raw: unknown): JobSpec => {
  const got = checkJobSpec(raw);
  if ('problem' in got) throw new Error(`${got.problem.field}: ${got.problem.reason}`);
  return got.spec;
};
const common = (spec: JobSpec, party: string): PrepareCommon => {
  const me = spec.parties.find((p) => p.id === party);
  if (!me) throw new Error(`no party ${party}`);
  return { name: spec.name, role: me.role, dataset: me.data, peers: spec.parties.filter((p) => p.id !== party).map((p) => ({ id: p.id, role: p.role })), attempt: 0 };
};
const prepared = (spec: JobSpec, party: string) => kindOf(spec).prepare(spec.parties.find((p) => p.id === party) as JobSpec['parties'][number], common(spec, party));

describe('job kinds at the coordinator', () => {
  it('refuses a job of a kind no plug-in runs (a spec stored by another version), naming the kind', () => {
    const stored = { name: 'old', kind: 'trees', parties: [] } as unknown as JobSpec;
    expect(() => kindOf(stored)).toThrow(expect.objectContaining({ code: 'FM_ERR_JOB_INVALID', message: expect.stringMatching(/no job kind "trees" here \(psi, vertical, horizontal\)/) }));
  });

  it('gives each party the sections of its kind, as one valid job.prepare; seeds and audience settings only to the party that holds the seeds', () => {
    const vertical = accepted({
      name: 'la', kind: 'vertical', purpose: 'lookalike', seeds: { path: '/s.csv', idColumn: 'id' }, training: { epochs: 3 },
      parties: [{ id: 'bank', role: 'guest', data: table('/a.csv') }, { id: 'insurer', role: 'host', data: table('/b.csv') }],
    });
    const guest = prepared(vertical, 'bank');
    const host = prepared(vertical, 'insurer');
    for (const body of [guest, host]) expect(Value.Check(JobPrepare, body)).toBe(true);
    expect(guest).toMatchObject({ kind: 'vertical', model: 'logistic', role: 'guest', purpose: 'lookalike', seeds: { path: '/s.csv' }, lookalike: { holdout: 0.2 }, training: { epochs: 3 } });
    expect(host).toMatchObject({ kind: 'vertical', model: 'logistic', role: 'host', purpose: 'lookalike', training: { epochs: 3 } });
    expect(host).not.toHaveProperty('seeds');
    expect(host).not.toHaveProperty('lookalike');

    const members = ['m1', 'm2', 'm3'].map((id) => ({ id, role: 'member', data: { ...table(`/${id}.csv`), labelColumn: 'y' }, evaluation: { path: '/t.csv' } }));
    const horizontal = accepted({ name: 'h', kind: 'horizontal', model: 'mlp', parties: members });
    const member = prepared(horizontal, 'm2');
    expect(Value.Check(JobPrepare, member)).toBe(true);
    expect(member).toMatchObject({ kind: 'horizontal', model: 'mlp', federation: { rounds: 1000 }, training: { learningRate: 0.5 } });

    const psi = accepted({ name: 'p', kind: 'psi', parties: [{ id: 'bank', role: 'guest', data: table('/a.csv') }, { id: 'insurer', role: 'host', data: table('/b.csv') }] });
    expect(prepared(psi, 'bank')).toEqual({ kind: 'psi', ...common(psi, 'bank') });
  });
});
