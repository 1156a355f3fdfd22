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
import { messyCopy, tempDir } from './fixtures.ts';
import { mkdir } from 'node:fs/promises';
import { fate } from '../data/sets.ts';

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
    expect(host.map((e) => [e.job, e.kind, e.to])).toEqual([[result.job, 'approval.auto', 'self'], [result.job, 'job.approval', 'coordinator'], [result.job, 'job.failed', 'coordinator']]);
    const guest = readLedger(ledgerPath(join(runDir, 'party-guest')));
    expect(guest.filter((e) => e.to !== 'coordinator' && e.to !== 'self')).toEqual([]);
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

describe('party policy: what it requires, through a job', () => {
  it('a consent column of the policy drops rows without consent before PSI and counts them in the ledger', async () => {
    const runDir = join(dir, 'consent');
    await mkdir(runDir, { recursive: true });
    const guest = await messyCopy({ source: fate('breast_hetero_guest'), out: join(runDir, 'guest.csv'), seed: 7, keep: 1, noConsent: 0.3, delimiter: ',', crlf: false });
    const host = await messyCopy({ source: fate('breast_hetero_host'), out: join(runDir, 'host.csv'), seed: 8, keep: 1, noConsent: 0, delimiter: ',', crlf: false });
    const spec: JobSpec = { name: 'consent', kind: 'psi', parties: [{ id: 'guest', role: 'guest', data: { path: guest.path, idColumn: 'id' } }, { id: 'host', role: 'host', data: { path: host.path, idColumn: 'id', consentColumn: 'consent' } }] };
    const result = await simulate(spec, { runDir, logLevel: 'warn', threads: 1, partyOverrides: { guest: { policy: { consentColumn: 'consent' } } } });
    expect(result.error).toBeUndefined();
    expect(result.psi?.intersectionSize).toBe(guest.consenting.size);
    expect(guest.consenting.size).toBeLessThan(569);
    const entries = readLedger(ledgerPath(join(runDir, 'party-guest'))).filter((e) => e.job === result.job);
    expect(entries.find((e) => e.kind === 'policy.consent')?.note).toBe(JSON.stringify({ column: 'consent', consenting: guest.consenting.size, dropped: 569 - guest.consenting.size }));
    // The drop is recorded before anything was sent for the job but the approval.
    expect(entries.map((e) => e.kind).indexOf('policy.consent')).toBeLessThan(entries.map((e) => e.kind).indexOf('job.ready'));

    const other = await simulate({ ...spec, name: 'consent-other', parties: spec.parties.map((p) => (p.id === 'guest' ? { ...p, data: { ...p.data, consentColumn: 'id' } } : p)) }, {
      runDir: join(dir, 'consent-other'), logLevel: 'warn', threads: 1, partyOverrides: { guest: { policy: { consentColumn: 'consent' } } },
    });
    expect(other.error?.message).toBe('party guest refused by its policy (consentColumn): the job names consent column "id", but this party\'s consent column is "consent"');
  });

  it('a count below the minimum cell size is not sent: the job stops at prepare, naming the figure', async () => {
    const runDir = join(dir, 'cells');
    const result = await simulate(psi, { runDir, logLevel: 'warn', threads: 1, partyOverrides: { host: { policy: { minCellSize: 1000 } } } });
    expect(result.error).toEqual({ code: 'FM_ERR_POLICY_REFUSED', message: 'party host refused by its policy (minCellSize): total rows is 569, below its minimum cell size of 1000; it was not sent' });
    const host = readLedger(ledgerPath(join(runDir, 'party-host'))).filter((e) => e.job === result.job).map((e) => e.kind);
    expect(host).not.toContain('job.ready');
    expect(host).not.toContain('relay.send');
  });

  it('a purpose the party does not serve is refused before its data is read', async () => {
    const result = await simulate(psi, { runDir: join(dir, 'purposes'), logLevel: 'warn', threads: 1, partyOverrides: { guest: { policy: { purposes: ['propensity', 'lookalike'] } } } });
    expect(result.error).toEqual({ code: 'FM_ERR_POLICY_REFUSED', message: 'party guest refused by its policy (purposes): it does not serve intersection jobs (only propensity, lookalike)' });
  });
});
