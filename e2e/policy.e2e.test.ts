// A party's policy refuses a job: the scientist sees the party, the rule and the reason, and the
// party's audit ledger shows that nothing was exchanged with its partner.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkCodec } from '../protocol/messages/index.ts';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { ledgerPath, readLedger } from '../party-node/audit/ledger.ts';
import { verifyChain } from '../party-node/audit/verify.ts';
import { readJobFile } from '../coordinator/jobs/jobFile.ts';
import { simulate } from '../coordinator/simulate.ts';
import { tempDir } from './fixtures.ts';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
let dir: string;
let vertical: JobSpec;
let psi: JobSpec;
beforeAll(async () => {
  dir = await tempDir('policy');
  vertical = await readJobFile(join(EXAMPLES, 'breast-vertical.yaml'));
  psi = await readJobFile(join(EXAMPLES, 'breast-psi.yaml'));
});

describe('party policy through a job', () => {
  it('a restricted column stops the job before any exchange, with the reason shown', async () => {
    const kinds: string[] = [];
    const runDir = join(dir, 'restricted');
    const result = await simulate(vertical, {
      runDir, logLevel: 'warn', threads: 1,
      partyOverrides: { host: { policy: { restrictedColumns: ['x3'] } } },
      tap: ({ direction, bytes }) => void (direction === 'in' && kinds.push(linkCodec.decode(bytes, Number.MAX_SAFE_INTEGER).kind)),
    });
    expect(result.status).toBe('failed');
    expect(result.error).toEqual({
      code: 'FM_ERR_POLICY_REFUSED',
      message: 'party host refused by its policy (restrictedColumns): column "x3" is restricted and the job would use it as a feature (by default every other column is one: list the features without it)',
    });
    // The coordinator received no relayed (PSI) frame from either party.
    expect(kinds).toContain('job.failed');
    expect(kinds.filter((k) => k.startsWith('relay.') || k.startsWith('he.'))).toEqual([]);
    // Each party's ledger agrees: the refusing host sent only its refusal; nothing went to a partner.
    const host = readLedger(ledgerPath(join(runDir, 'party-host')));
    expect(verifyChain(host).ok).toBe(true);
    expect(host.map((e) => [e.job, e.kind, e.to])).toEqual([[result.job, 'job.failed', 'coordinator']]);
    const guest = readLedger(ledgerPath(join(runDir, 'party-guest')));
    expect(guest.filter((e) => e.to !== 'coordinator')).toEqual([]);
  });

  it('an intersection below the minimum cohort size fails the job when PSI ends, before any output or training', async () => {
    const runDir = join(dir, 'cohort');
    const result = await simulate(psi, { runDir, logLevel: 'warn', threads: 1, partyOverrides: { guest: { policy: { minCohortSize: 1000 } } } });
    expect(result.status).toBe('failed');
    expect(result.error?.message).toBe('party guest refused by its policy (minCohortSize): the intersection has 569 customers, fewer than its minimum of 1000');
    const guest = readLedger(ledgerPath(join(runDir, 'party-guest')));
    expect(guest.some((e) => e.kind === 'job.done')).toBe(false);
    expect(guest.at(-1)?.kind).toBe('job.failed');
  });
});
