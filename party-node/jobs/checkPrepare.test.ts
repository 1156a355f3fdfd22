import { describe, expect, it } from 'vitest';
import type { PrepareOf } from '../../protocol/messages/job.ts';
import { checkPrepare } from './checkPrepare.ts';

const prepare = (patch: Partial<PrepareOf<'vertical'>> = {}): PrepareOf<'vertical'> => ({
  name: 'breast-propensity', kind: 'vertical', role: 'host', peers: [{ id: 'bank', role: 'guest' }],
  dataset: { path: '/data/b.csv', idColumn: 'id' }, ...patch,
});

describe('what a party checks in a job the coordinator sent', () => {
  it('accepts a safe name and job ID, and a guest\'s labels', () => {
    expect(() => checkPrepare('job-0d7c', prepare())).not.toThrow();
    expect(() => checkPrepare('job-0d7c', prepare({ role: 'guest', dataset: { path: '/data/a.csv', idColumn: 'id', labelColumn: 'y' } }))).not.toThrow();
  });

  it('refuses an unsafe name or job ID, and a label column at a host, naming the field', () => {
    expect(() => checkPrepare('job-0d7c', prepare({ name: '../../x' }))).toThrow(/job file sent by the coordinator: name: expected 1 to 63 characters/);
    expect(() => checkPrepare('job-0d7c', prepare({ name: 'n'.repeat(250) }))).toThrow(/name: 250 characters is too long/);
    expect(() => checkPrepare('../jobs', prepare())).toThrow(/job id: expected/);
    expect(() => checkPrepare('job-0d7c', prepare({ dataset: { path: '/data/b.csv', idColumn: 'id', labelColumn: 'y' } }))).toThrow(/dataset.labelColumn: a host holds no labels/);
  });
});
