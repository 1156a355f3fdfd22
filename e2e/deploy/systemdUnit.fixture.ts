// Reads the systemd units in deploy/ as systemd does (sections, Key=value lines, repeated keys kept
// in order) and moves their absolute paths under a test's own root, so that a test can run a unit's
// ExecStart against an installed copy without writing to /opt, /etc or /var.
import { readFileSync } from 'node:fs';

export type Unit = Record<string, Record<string, string[]>>;

export function readUnit(path: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | undefined;
  for (const [i, raw] of readFileSync(path, 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = unit[header[1] as string] ??= {};
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!pair || !section) throw new Error(`${path}:${i + 1}: not a Key=value line inside a section: ${raw}`);
    (section[pair[1] as string] ??= []).push(pair[2] as string);
  }
  return unit;
}

/** The one value of `key` in `[section]`; an error if it is missing or given twice. */
export function single(unit: Unit, section: string, key: string): string {
  const values = unit[section]?.[key] ?? [];
  if (values.length !== 1) throw new Error(`[${section}] ${key}: expected one value, found ${values.length}`);
  return values[0] as string;
}

/** Rewrites every absolute path that starts with one of `moves`' keys (longest first) to its value. */
export function relocate(text: string, moves: Readonly<Record<string, string>>): string {
  const prefixes = Object.keys(moves).sort((a, b) => b.length - a.length);
  return text.replace(/(^|[\s=:"'])(\/[^\s"']*)/g, (whole, lead: string, path: string) => {
    const prefix = prefixes.find((p) => path === p || path.startsWith(`${p}/`));
    return prefix === undefined ? whole : `${lead}${moves[prefix]}${path.slice(prefix.length)}`;
  });
}
