// Attack: a job name that walks out of the parties' work folders. With the name `../../x`, each
// party's model share (models/<name>/<job>.json) would land in the same file beside the work
// folders, the host's overwriting the guest's. The coordinator refuses such a name when a job is
// submitted (protocol/jobs/validate.ts); here the coordinator skips that check, as a modified
// one would: the spec goes straight to its job runner, which sends the name to the real
// party-node processes over real sockets. The parties' own check must stop the job before any
// file is written or anything is exchanged, and each party's audit ledger shows what it sent.
// The same coordinator also asks the host to read and count a label column the job never uses.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ledgerPath, readLedger } from '../../party-node/audit/ledger.ts';
import type { JobSpec } from '../../protocol/messages/jobSpec.ts';
import { simulate } from '../../coordinator/simulate.ts';
import { breastVertical } from '../deployment.fixture.ts';
import { tempDir } from '../fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('traversal');
});

describe('path traversal through the job name, past a coordinator that does not check it', () => {
  const labelledHost = (): JobSpec => {
    const spec = breastVertical('labelled-host', 1);
    (spec.parties[1] as JobSpec['parties'][number]).data.labelColumn = 'x0';
    return spec;
  };
  it.each<[string, () => JobSpec, RegExp]>([
    ['the name ../../x', () => breastVertical('../../x', 1), /name: expected 1 to 63 characters/],
    ['a 250-character name', () => breastVertical('x'.repeat(250), 1), /name: 250 characters is too long/],
    ['a label column at the host', labelledHost, /dataset.labelColumn: a host holds no labels/],
  ])('the parties refuse %s, write nothing outside their work folders and exchange nothing', async (what, spec, reason) => {
    const runDir = join(dir, `run-${what.replaceAll(/\W+/g, '-')}`);
    const result = await simulate(spec(), { runDir, logLevel: 'warn', threads: 1 });

    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('FM_ERR_JOB_INVALID');
    expect(result.error?.message).toContain('job file sent by the coordinator');
    expect(result.error?.message).toMatch(reason);
    // Only what simulate itself creates sits beside the work folders: no escaped model share.
    const own = /^(coordinator\.db.*|logs|party-(guest|host)(\.yaml|\.identity\.key)?)$/;
    expect((await readdir(runDir)).filter((f) => !own.test(f))).toEqual([]);
    expect(await readdir(dir)).not.toContain('x');
    // The approval by policy (recorded, and reported to the coordinator) comes before any reading.
    const sent = (party: string) => readLedger(ledgerPath(join(runDir, `party-${party}`))).filter((e) => e.job === result.job && !e.kind.startsWith('approval.') && e.kind !== 'job.approval').map((e) => e.kind);
    for (const party of ['guest', 'host']) {
      expect((await readdir(join(runDir, `party-${party}`))).filter((f) => !/^(audit\.db|approvals\.db|control\.sock)/.test(f))).toEqual([]);
      expect(sent(party)).not.toContain('relay.send');
    }
    // A label column is the host's to refuse; the guest had nothing to refuse and was told to stop.
    for (const party of what.includes('label') ? ['host'] : ['guest', 'host']) expect(sent(party)).toEqual(['job.failed']);
  });

  it('simulate refuses a name that would put its run folder outside .fedmark/runs, before it starts anything', async () => {
    await expect(simulate(breastVertical('../../../x', 1), { logLevel: 'warn', threads: 1 })).rejects.toMatchObject({
      code: 'FM_ERR_JOB_PATH', message: expect.stringContaining('outside the runs folder'),
    });
  });
});
