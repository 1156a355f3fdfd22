import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { pathUnder } from './pathUnder.ts';
import { nameProblem } from './names.ts';

const root = resolve('/srv/party-bank');

describe('pathUnder', () => {
  it('joins names that stay below the root', () => {
    expect(pathUnder(root, 'the work folder', 'models', 'propensity', 'job-1.json')).toBe(join(root, 'models', 'propensity', 'job-1.json'));
    expect(pathUnder(root, 'the work folder', 'models', 'a..b', '..c.json')).toBe(join(root, 'models', 'a..b', '..c.json'));
  });

  it('refuses a path that resolves to the root or outside it, without naming the root', () => {
    for (const segments of [['models', '../../x', 'job-1.json'], ['..'], ['jobs', '..', '..'], ['/etc/passwd'], ['.'], ['models', '../../party-bank-2/x']]) {
      let thrown: unknown;
      try {
        pathUnder(root, 'the work folder', ...segments);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, segments.join('/')).toBeInstanceOf(FedmarkError);
      expect((thrown as FedmarkError).code).toBe('FM_ERR_JOB_PATH');
      expect((thrown as FedmarkError).message).toContain('outside the work folder');
      expect((thrown as FedmarkError).message).not.toContain(root);
    }
  });
});

describe('job names', () => {
  it('says why a name is refused', () => {
    expect(nameProblem('breast-propensity')).toBeUndefined();
    expect(nameProblem('../../x')).toMatch(/^expected 1 to 63 characters/);
    expect(nameProblem('x'.repeat(250))).toMatch(/^250 characters is too long/);
  });
});
