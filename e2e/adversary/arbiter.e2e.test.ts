// Attack on the arbiter with real processes: a host that asks the coordinator to decrypt the
// guest's Enc(d) (which would give it the guest's labels) is refused with FM_ERR_HE_REFUSED, gets
// no plaintext, the job fails, the coordinator records the attempt in the job's events, and the
// guest, whose data was targeted, records the notice in its audit ledger.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { hashSecret, newSecret } from '../../protocol/auth/tokens.ts';
import type { JobSpec } from '../../protocol/messages/jobSpec.ts';
import { coordinatorConfig } from '../../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../../coordinator/server.ts';
import { ledgerPath, readLedger } from '../../party-node/audit/ledger.ts';
import { identityFile, partnersOf, pinIdentities, stopChild } from '../../coordinator/simulate.ts';
import { fate, FATE_DIR } from '../../data/sets.ts';
import { tempDir, until } from '../fixtures.ts';

const CLI = fileURLToPath(new URL('../../bin/fedmark.ts', import.meta.url));
const HOSTILE = fileURLToPath(new URL('./encDHost.party.ts', import.meta.url));

let coordinator: Coordinator | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map(stopChild));
  await coordinator?.close();
  coordinator = undefined;
});

async function attack(positions: 'all' | 'results') {
  const dir = await tempDir(`adversary-arbiter-${positions}`);
  const tokens = { bank: newSecret('fmp'), partner1: newSecret('fmp') };
  coordinator = await startCoordinator(coordinatorConfig({
    port: 0, store: join(dir, 'coordinator.db'), logLevel: 'silent',
    parties: Object.entries(tokens).map(([id, token]) => ({ id, tokenSha256: hashSecret(token) })),
  }, 'test'));
  const stolen = join(dir, 'stolen.json');
  const pins = pinIdentities(dir, Object.keys(tokens));
  for (const [id, command] of [['bank', [CLI, 'party']], ['partner1', [HOSTILE]]] as const) {
    const file = join(dir, `party-${id}.yaml`);
    await writeFile(file, toYaml({
      id, coordinator: coordinator.url.replace(/^http/, 'ws'), dataRoots: [FATE_DIR], workDir: join(dir, id), threads: 1, logLevel: 'warn',
      identity: identityFile(dir, id), knownPartners: partnersOf(pins, id),
    }));
    children.push(spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...command, '--config', file], {
      env: { ...process.env, FEDMARK_PARTY_TOKEN: tokens[id], FEDMARK_ADVERSARY_OUT: stolen, FEDMARK_ADVERSARY_POSITIONS: positions }, stdio: 'ignore',
    }));
  }
  const c = coordinator;
  await until(() => c.links.isOnline('bank') && c.links.isOnline('partner1'), 20_000, 'parties online');
  const spec: JobSpec = {
    name: 'breast-propensity', kind: 'vertical', model: 'logistic', validation: { fraction: 0.3 },
    training: { epochs: 2, batchSize: 128, learningRate: 0.15, l2: 0.01, seed: 3 },
    parties: [
      { id: 'bank', role: 'guest', data: { path: fate('breast_hetero_guest'), idColumn: 'id', labelColumn: 'y' } },
      { id: 'partner1', role: 'host', data: { path: fate('breast_hetero_host'), idColumn: 'id' } },
    ],
  };
  const id = c.runner.submit(spec);
  const view = await c.runner.waitFor(id);
  return { dir, id, view, stolen, events: c.store.events(id) };
}

describe('a host asks the arbiter to decrypt the guest\'s Enc(d)', () => {
  for (const positions of ['all', 'results'] as const) {
    it(`is refused (${positions === 'all' ? 'every coefficient' : 'the step\'s result positions, unmasked'}), learns nothing, and the refusal is recorded by the coordinator and the guest`, async () => {
      const { dir, id, view, stolen, events } = await attack(positions);
      expect(existsSync(stolen)).toBe(false);
      expect(view.state).toBe('failed');
      expect(view.error?.code).toBe('FM_ERR_HE_REFUSED');
      expect(view.error?.message).toMatch(positions === 'all' ? /for partner1 in job .*: result 0 of step 0\/0: only the \d+ result positions/ : /for partner1 in job .*: result 0 carries no mask/);
      expect(events.filter((e) => e.type === 'he.refused').map((e) => e.detail.party)).toEqual(['partner1']);
      // The guest learns of it from the coordinator and keeps it in its hash-chained ledger.
      const ledger = await until(() => {
        const entries = readLedger(ledgerPath(join(dir, 'bank'))).filter((e) => e.job === id && e.kind === 'he.refused');
        return entries.length > 0 && entries;
      }, 10_000, 'the guest\'s ledger entry');
      expect(ledger).toMatchObject([{ kind: 'he.refused', to: 'self' }]);
    }, 120_000);
  }
});
