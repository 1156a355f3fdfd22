// Observability without leaks: a vertical job and scoring on data with planted canary IDs and
// feature values, logging at debug level; then no process's log (nor the coordinator's store, nor
// a party's audit ledger) holds a canary, and /metrics counts what happened.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { simulate, type SimulationResult } from '../coordinator/simulate.ts';
import { fate, readText } from '../data/sets.ts';
import { tempDir } from './fixtures.ts';

const CANARY_IDS = Array.from({ length: 6 }, (_, i) => `CanaryCust-Q7${i}Z-${9187 + i}`);
const UNKNOWN_CANARY = 'CanaryCust-NotAtAnyParty-5521';
// Values that no formatting of the real data produces, so any appearance is a leak.
const CANARY_VALUES = { guest: '73914.682', host: '58203.417' };

/** A copy of a FATE breast table with the canary customers added (their other features copied from row 1). */
async function plant(source: string, out: string, value: string): Promise<void> {
  const lines = (await readText(source)).trim().split('\n');
  const header = (lines[0] as string).split(',');
  const template = (lines[1] as string).split(',');
  const rows = CANARY_IDS.map((id, i) => header.map((name, c) => (name === 'id' ? id : name === 'y' ? String(i % 2) : name === 'x0' ? value : template[c])).join(','));
  await writeFile(out, [...lines, ...rows].join('\n') + '\n');
}

let dir: string;
let result: SimulationResult;
let scored: { online: Array<{ id: string; status: string }>; batch: string; overLimit: { status: number; body: { code: string; message: string } }; metrics: string; metricsStatusWithoutKey: number };

beforeAll(async () => {
  dir = await tempDir('observability');
  await plant(fate('breast_hetero_guest'), join(dir, 'guest.csv'), CANARY_VALUES.guest);
  await plant(fate('breast_hetero_host'), join(dir, 'host.csv'), CANARY_VALUES.host);
  const spec: JobSpec = {
    name: 'canary-propensity', kind: 'vertical', model: 'logistic',
    parties: [
      { id: 'guest', role: 'guest', data: { path: join(dir, 'guest.csv'), idColumn: 'id', labelColumn: 'y' } },
      { id: 'host', role: 'host', data: { path: join(dir, 'host.csv'), idColumn: 'id' } },
    ],
    training: { epochs: 3, batchSize: 65_536, learningRate: 0.5, l2: 0.001, seed: 7 },
    validation: { fraction: 0.3 },
  };
  result = await simulate(spec, {
    runDir: join(dir, 'run'), logLevel: 'debug', threads: 1,
    // The host's compliance staff allow two scoring requests per hour: the online call and the batch.
    partyOverrides: { host: { policy: { maxScoringRequestsPerHour: 2 } } },
    afterJob: async ({ url, adminKey, scorerKey, result: r }) => {
      const call = (path: string, key: string, body?: unknown) => fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      await call(`/v1/models/${r.model?.name}/versions/${r.model?.version}/publish`, adminKey);
      const online = (await (await call(`/v1/models/${r.model?.name}/score`, scorerKey, { ids: [...CANARY_IDS, UNKNOWN_CANARY] })).json()) as { results: Array<{ id: string; status: string }> };
      const batch = await (await call(`/v1/models/${r.model?.name}/batch-score`, scorerKey, { ids: CANARY_IDS, format: 'csv' })).text();
      const third = await call(`/v1/models/${r.model?.name}/score`, scorerKey, { ids: CANARY_IDS.slice(0, 1) });
      const overLimit = { status: third.status, body: (await third.json()) as { code: string; message: string } };
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })).text();
      const metricsStatusWithoutKey = (await fetch(`${url}/metrics`)).status;
      scored = { online: online.results, batch, overLimit, metrics, metricsStatusWithoutKey };
    },
  });
}, 120_000);

describe('logs and metrics', () => {
  it('ran the job and scored the canary customers (so the canaries went through every step)', () => {
    expect(result.status).toBe('succeeded');
    expect(result.psi?.intersectionSize).toBe(569 + CANARY_IDS.length);
    expect(scored.online.filter((r) => r.status === 'ok').map((r) => r.id)).toEqual(CANARY_IDS);
    expect(scored.online.at(-1)).toMatchObject({ id: UNKNOWN_CANARY, status: 'unscorable' });
    expect(scored.batch.split('\n').filter((l) => l.startsWith('CanaryCust-'))).toHaveLength(CANARY_IDS.length);
  });

  it('a party policy limiting scoring requests per hour refuses the next call, naming the party and the rule', () => {
    expect(scored.overLimit).toEqual({
      status: 403,
      body: { code: 'FM_ERR_POLICY_REFUSED', message: 'party host refused by its policy (maxScoringRequestsPerHour): it answers at most 2 scoring requests per hour' },
    });
  });

  it('no process log, nor the coordinator store, nor a party ledger holds a canary ID or value', async () => {
    const runDir = join(dir, 'run');
    const logs = (await readdir(join(runDir, 'logs'))).map((f) => join(runDir, 'logs', f));
    expect(logs.map((f) => f.split('/').at(-1)).sort()).toEqual(['coordinator.log', 'party-guest.log', 'party-host.log']);
    const stores = [join(runDir, 'coordinator.db'), join(runDir, 'party-guest', 'audit.db'), join(runDir, 'party-host', 'audit.db')];
    const walFiles = (await Promise.all([runDir, join(runDir, 'party-guest'), join(runDir, 'party-host')].map(async (d) => (await readdir(d)).filter((f) => f.endsWith('-wal')).map((f) => join(d, f))))).flat();
    // The canaries are there to find: the guest's own output, at its premises, lists them.
    expect(await readFile(join(runDir, 'party-guest', 'jobs', result.job, 'intersection.csv'), 'utf8')).toContain(CANARY_IDS[0]);
    const canaries = [...CANARY_IDS, UNKNOWN_CANARY, ...CANARY_IDS.map((id) => id.toLowerCase()), CANARY_VALUES.guest, CANARY_VALUES.host, 'CanaryCust', 'canarycust'];
    for (const file of [...logs, ...stores, ...walFiles]) {
      const text = (await readFile(file)).toString('latin1');
      // Logging was at debug level in every process, so the scan covered the chattiest output.
      if (file.endsWith('.log')) expect(text, file).toMatch(/"level":20,/);
      for (const canary of canaries) expect(text.includes(canary), `${canary} in ${file}`).toBe(false);
    }
    // Each line is JSON with its job and party where it concerns one.
    const coordinatorLog = (await readFile(join(runDir, 'logs', 'coordinator.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(coordinatorLog.some((l) => l.job === result.job && l.msg === 'job succeeded')).toBe(true);
    const partyLog = (await readFile(join(runDir, 'logs', 'party-host.log'), 'utf8')).trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(partyLog.every((l) => l.party === 'host')).toBe(true);
    expect(partyLog.some((l) => l.job === result.job)).toBe(true);
  });

  it('/metrics counts jobs by state, epochs, bytes per party and scoring latency, behind a key', () => {
    const m = scored.metrics;
    const value = (pattern: RegExp) => Number(m.match(pattern)?.[1] ?? Number.NaN);
    expect(scored.metricsStatusWithoutKey).toBe(401);
    expect(value(/^fedmark_jobs\{state="succeeded"\} (\d+)$/m)).toBe(1);
    expect(value(/^fedmark_jobs\{state="failed"\} (\d+)$/m)).toBe(0);
    expect(value(/^fedmark_training_epochs_total (\d+)$/m)).toBe(result.metrics?.epochs);
    for (const party of ['guest', 'host']) {
      expect(value(new RegExp(`^fedmark_link_bytes_total\\{party="${party}",direction="in"\\} (\\d+)$`, 'm'))).toBeGreaterThan(10_000);
      expect(value(new RegExp(`^fedmark_link_bytes_total\\{party="${party}",direction="out"\\} (\\d+)$`, 'm'))).toBeGreaterThan(1_000);
    }
    expect(value(/^fedmark_scoring_seconds_count\{kind="online"\} (\d+)$/m)).toBe(1);
    expect(value(/^fedmark_scoring_seconds_count\{kind="batch"\} (\d+)$/m)).toBe(1);
    expect(value(/^fedmark_parties_online\{party="host"\} (\d+)$/m)).toBe(1);
    expect(m).toMatch(/^fedmark_http_requests_total\{method="POST",route="\/v1\/models\/:name\/score",status="200"\} 1$/m);
    expect(m).not.toContain('CanaryCust');
  });
});
