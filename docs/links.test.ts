// The README is a landing page and the rest lives in docs/ by reader: these tests keep the split
// navigable. Every relative link in README.md and docs/**/*.md must name a file that exists and,
// with a #fragment, a heading of that file (GitHub's anchor rules); every guide in docs/ must be
// reachable from the README.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const DOCS = join(ROOT, 'docs');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? markdownFiles(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
  );
}

const FILES = [join(ROOT, 'README.md'), ...markdownFiles(DOCS)];

/** The lines outside fenced code blocks: a `#` or a `](` inside one is no markup. */
function proseLines(text: string): string[] {
  let fenced = false;
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced) lines.push(line);
  }
  return lines;
}

/** GitHub's heading anchor: link markup dropped, lower case, punctuation but - and _ removed, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of proseLines(markdown)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

function links(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(markdown)) {
    const prose = line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)) targets.push(m[1] ?? '');
  }
  return targets;
}

const read = (file: string): string => readFileSync(file, 'utf8');

function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const target of links(read(file))) {
    if (/^[a-z][a-z+.-]*:/i.test(target)) continue;
    const [path = '', fragment] = target.split('#');
    const resolved = path === '' ? file : join(dirname(file), decodeURIComponent(path));
    const where = `${relative(ROOT, file)} → ${target}`;
    if (!existsSync(resolved)) broken.push(`${where}: no such file`);
    else if (fragment !== undefined && resolved.endsWith('.md') && !anchors(read(resolved)).has(fragment)) broken.push(`${where}: no such heading`);
  }
  return broken;
}

describe('documentation links', () => {
  it('derives anchors as GitHub does, numbering repeated headings', () => {
    const headings = [
      '# `--json` output',
      '## Deployment: coordinator and party nodes on separate hosts',
      "## Operators' guide",
      '### FM_ERR_DATA_SEEDS and [the table](x.md)',
      '## Measured',
      '## Measured',
      '```yaml',
      '# kind: vertical only (a comment in a code block, not a heading)',
      '```',
    ].join('\n');
    expect([...anchors(headings)]).toEqual([
      '--json-output',
      'deployment-coordinator-and-party-nodes-on-separate-hosts',
      'operators-guide',
      'fm_err_data_seeds-and-the-table',
      'measured',
      'measured-1',
    ]);
  });

  it('finds links and images in prose, not in code blocks or code spans', () => {
    const sample = [
      'See [the guide](docs/operators.md#party-config) and ![a chart](chart.png).',
      'A route: `[not](a-link.md)`, then [after code](b.md).',
      '```',
      '[inside](code-block.md)',
      '```',
    ].join('\n');
    expect(links(sample)).toEqual(['docs/operators.md#party-config', 'chart.png', 'b.md']);
  });

  it('points every relative link in README.md and docs/ at a file and heading that exist', () => {
    expect(FILES.length).toBeGreaterThan(1);
    expect(FILES.flatMap(brokenLinks)).toEqual([]);
  });

  it('reaches every guide in docs/ from the README', () => {
    const fromReadme = new Set(links(read(join(ROOT, 'README.md'))).map((t) => join(ROOT, t.split('#')[0] ?? '')));
    const unreached = markdownFiles(DOCS).filter((f) => !fromReadme.has(f)).map((f) => relative(ROOT, f));
    expect(unreached).toEqual([]);
  });
});
