// Help texts, error messages and comments point readers at a guide and its sections by name (a
// guide's path, then quoted section titles). Each such pointer in the code must name a guide that
// exists and sections it has, so that moving text in docs/ cannot leave the CLI pointing nowhere.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SOURCES = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.endsWith('.ts') && !f.startsWith('node_modules/') && f !== 'docs/references.test.ts');

/** Pointers such as: docs/guide.md, "Some section" and "Another". */
const POINTER = /\bdocs\/([\w/-]+\.md)((?:,?\s+(?:and\s+)?"[^"\n]+")*)/g;

function pointers(source: string): { guide: string; sections: string[] }[] {
  return [...source.matchAll(POINTER)].map((m) => ({
    guide: m[1] ?? '',
    sections: [...(m[2] ?? '').matchAll(/"([^"\n]+)"/g)].map((s) => s[1] ?? ''),
  }));
}

function headings(file: string): string[] {
  let fenced = false;
  const found: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*$/.exec(line);
    if (m) found.push((m[1] ?? '').replace(/`/g, ''));
  }
  return found;
}

describe('pointers from the code to docs/', () => {
  it('reads a guide and its quoted sections from a pointer', () => {
    expect(pointers('FILE is YAML (see\ndocs/x.md, "First part" and "Second").')).toEqual([{ guide: 'x.md', sections: ['First part', 'Second'] }]);
    expect(pointers('one final JSON line (see docs/a/b.md).')).toEqual([{ guide: 'a/b.md', sections: [] }]);
  });

  it('names guides that exist and sections they have (a section title may be the start of a heading)', () => {
    const found = SOURCES.flatMap((file) => pointers(readFileSync(join(ROOT, file), 'utf8')).map((p) => ({ file, ...p })));
    expect(found.length).toBeGreaterThan(0);
    const broken = found.flatMap(({ file, guide, sections }) => {
      const path = join(ROOT, 'docs', guide);
      if (!existsSync(path)) return [`${file}: docs/${guide} does not exist`];
      const titles = headings(path);
      return sections.filter((s) => !titles.some((t) => t.startsWith(s))).map((s) => `${file}: docs/${guide} has no section "${s}"`);
    });
    expect(broken).toEqual([]);
  });
});
