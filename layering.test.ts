// The repository's floors, checked on every file's imports (tests included): errors/, testing/ and
// data/ at the bottom,
// then models/ and protocol/, then coordinator/ and party-node/, which never import each other;
// e2e/ and benchmarks/ on top. Import cycles are refused anywhere.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = import.meta.dirname;
const FILES = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.endsWith('.ts') && !f.startsWith('node_modules/'));

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const found: string[] = [];
  for (const m of source.matchAll(IMPORT)) found.push(normalize(join(dirname(file), m[1] ?? m[2] ?? '')));
  return found;
}

const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

const FORBIDDEN: Record<string, string[]> = {
  'errors/': ['protocol/', 'models/', 'coordinator/', 'party-node/', 'e2e/', 'benchmarks/', 'data/'],
  'models/': ['protocol/', 'coordinator/', 'party-node/', 'e2e/', 'benchmarks/'],
  'protocol/': ['coordinator/', 'party-node/', 'e2e/', 'benchmarks/'],
  'coordinator/': ['party-node/', 'e2e/', 'benchmarks/'],
  'party-node/': ['coordinator/', 'e2e/', 'benchmarks/'],
  'benchmarks/': ['e2e/', 'testing/'],
  'data/': ['protocol/', 'coordinator/', 'party-node/', 'e2e/', 'benchmarks/', 'testing/'],
  'testing/': ['errors/', 'protocol/', 'models/', 'coordinator/', 'party-node/', 'e2e/', 'benchmarks/', 'data/'],
};

describe('layering', () => {
  it('imports go down the floors only, and coordinator/ and party-node/ never import each other', () => {
    const broken: string[] = [];
    for (const [file, imports] of GRAPH) {
      const floor = Object.keys(FORBIDDEN).find((f) => file.startsWith(f));
      if (!floor) continue;
      for (const target of imports) {
        if (FORBIDDEN[floor]!.some((f) => target.startsWith(f))) broken.push(`${file} imports ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('only tests and fixtures import fixtures', () => {
    const isTest = (f: string) => f.endsWith('.test.ts') || f.endsWith('.fixture.ts') || f.startsWith('e2e/') || f.startsWith('testing/') || f.startsWith('docs/');
    const broken = [...GRAPH].filter(([f]) => !isTest(f)).flatMap(([f, imports]) =>
      imports.filter((t) => isTest(t)).map((t) => `${f} imports ${t}`),
    );
    expect(broken).toEqual([]);
  });

  it('models/ reads no environment variable (settings come from the party config)', () => {
    const reading = FILES.filter((f) => f.startsWith('models/') && /process\.env/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(reading).toEqual([]);
  });

  it('there is no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of GRAPH.get(file) ?? []) {
        if (!GRAPH.has(next)) continue;
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of GRAPH.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
