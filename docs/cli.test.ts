// The CLI reference in docs/data-scientists.md covers the commands `fedmark --help` lists, and no
// others: a command added to the CLI, or dropped from it, fails here until the doc follows.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));
const GUIDE = fileURLToPath(new URL('./data-scientists.md', import.meta.url));

function cliCommands(): string[] {
  const usage = execFileSync(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, '--help'], { encoding: 'utf8' });
  // Lines like "  job, jobs     submit a job file …": the names before the description.
  return usage
    .split('\n')
    .map((line) => /^ {2}([a-z]+(?:, [a-z]+)*)\s{2,}/.exec(line)?.[1])
    .filter((names): names is string => names !== undefined)
    .flatMap((names) => names.split(', '));
}

function documentedCommands(): string[] {
  const text = readFileSync(GUIDE, 'utf8');
  const section = text.slice(text.indexOf('\n## CLI\n'), text.indexOf('\n## ', text.indexOf('\n## CLI\n') + 1));
  // The first cell of each row of the command table, e.g. "`fedmark jobs list [--limit N]` / `jobs show ID`".
  return [...section.matchAll(/^\| `fedmark ([^`]*)`[^|]*\|/gm)].flatMap((m) =>
    [...(m[0] ?? '').matchAll(/`(?:fedmark )?([a-z]+)/g)].map((c) => c[1] ?? ''),
  );
}

describe('CLI reference', () => {
  it('lists every command of `fedmark --help` and no other', () => {
    const commands = cliCommands();
    expect(commands).toContain('simulate');
    expect([...new Set(documentedCommands())].sort()).toEqual([...new Set(commands)].sort());
  });
});
