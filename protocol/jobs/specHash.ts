// The hash a party approves a job by: SHA-256 over the canonical JSON (keys sorted at every level,
// no whitespace) of the job.prepare body the party is shown, without `attempt` (a resumed attempt
// is the same job). A party recomputes it on every job.prepare and refuses one that differs from
// what it approved, so any change of dataset, columns, partners, model or settings is caught.
import { createHash } from 'node:crypto';
import type { JobPrepareBody } from '../messages/job.ts';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function specSha256(prepare: JobPrepareBody): string {
  const { attempt: _attempt, ...rest } = prepare;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}
