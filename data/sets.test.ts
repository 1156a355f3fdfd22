// The shipped data sets are what data/README.md says they are, and nothing in the project reads
// data from outside the repository (a fresh clone has no ../shared beside it).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BANK_MARKETING, DATA_DIR, fate, readTextSync } from './sets.ts';

const ROOT = join(DATA_DIR, '..');

function shippedFiles(): string[] {
  return readdirSync(DATA_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.csv.gz')).sort();
}

describe('data/', () => {
  it('lists every shipped file in its README with the row count and SHA-256 of its CSV', () => {
    const readme = readFileSync(join(DATA_DIR, 'README.md'), 'utf8');
    const files = shippedFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readTextSync(join(DATA_DIR, file));
      const rows = text.split(/\r?\n/).filter((l) => l !== '').length - 1;
      const sha = createHash('sha256').update(text).digest('hex');
      expect(readme, file).toContain(`| \`${file}\` | ${rows} | \`${sha}\` |`);
    }
  });

  it('names paths that exist for the sets the demo and tests use', () => {
    expect(shippedFiles()).toContain(relative(DATA_DIR, fate('breast_hetero_guest')));
    expect(shippedFiles()).toContain(relative(DATA_DIR, BANK_MARKETING));
  });

  it('is the only place tracked files read data sets from', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((f) => /\.(ts|js|ya?ml|json|sh)$/.test(f) || f === '.ci/run');
    const outside = tracked.filter((f) => /shared\/data/.test(readFileSync(join(ROOT, f), 'utf8')) && f !== 'data/sets.test.ts');
    expect(outside).toEqual([]);
  });
});
