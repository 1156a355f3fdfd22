// Attack: a coordinator that shows every member one member's model update as "the aggregate".
// The coordinator is the real one (real server, links, runner and horizontal rounds) with one step
// changed: when it sends the round-1 sum to member m2 it sends member m1's own upload instead,
// either naming m1 as the only contributor or naming all three members as an honest sum would (the
// other members get the honest sum). The members are real party-node processes. m2 must refuse the
// aggregate — the first time before decrypting it (its policy wants 3 contributors), the second
// because the contribution tags do not match the three members named — fail the job with the
// documented code, keep no model, and have its refusal in its audit ledger.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerPath, readLedger } from '../../party-node/audit/ledger.ts';
import { verifyChain } from '../../party-node/audit/verify.ts';
import { checkJobSpec } from '../../protocol/jobs/validate.ts';
import { linkCodec, type BodyOf } from '../../protocol/messages/index.ts';
import type { JobSpec } from '../../protocol/messages/jobSpec.ts';
import { coordinatorConfig } from '../../coordinator/config.ts';
import type { FrameTap, PartyLinks } from '../../coordinator/links.ts';
import { startCoordinator, type Coordinator } from '../../coordinator/server.ts';
import { Parties } from '../../coordinator/partyProcesses.ts';
import { fate } from '../../data/sets.ts';
import { tempDir } from '../fixtures.ts';

const MEMBERS = ['m1', 'm2', 'm3'];
const TABLES = ['breast_homo_guest', 'breast_homo_host', 'breast_homo_test'].map((f) => fate(f));

function breastHorizontal(name: string): JobSpec {
  const checked = checkJobSpec({
    name, kind: 'horizontal', model: 'logistic',
    parties: MEMBERS.map((id, k) => ({ id, role: 'member', data: { path: TABLES[k], idColumn: 'id', labelColumn: 'y' }, evaluation: { path: TABLES[2] } })),
    training: { learningRate: 0.5, batchSize: 65_536, l2: 0.001, seed: 42 },
    federation: { rounds: 2, roundTimeoutSeconds: 60 },
  });
  if ('problem' in checked) throw new Error(`${checked.problem.field}: ${checked.problem.reason}`);
  return checked.spec;
}

interface Received { party: string; kind: string; job?: string; body: unknown; payload?: Uint8Array; error?: { code: string; message: string }; sha256: string }

let dir: string;
let coordinator: Coordinator;
let parties: Parties;
const received: Received[] = [];
/** How the modified coordinator names the contributors of the forged round-1 aggregate. */
let claim: 'victim alone' | 'every member' = 'victim alone';

beforeAll(async () => {
  dir = await tempDir('adversary-single');
  await mkdir(join(dir, 'logs'));
  const tap: FrameTap = ({ direction, party, bytes }) => {
    if (direction !== 'in') return;
    const f = linkCodec.decode(bytes, 64 << 20);
    // A job.failed carries its failure as content; an error reply carries it instead of a body.
    const error = f.kind === 'job.failed' ? f.body.error : f.error;
    received.push({ party, kind: f.kind, job: f.job, body: f.body, payload: f.payload, error, sha256: createHash('sha256').update(bytes).digest('hex') });
  };
  parties = new Parties(breastHorizontal('template'), dir, () => coordinator.url);
  coordinator = await startCoordinator(coordinatorConfig({ port: 0, store: join(dir, 'coordinator.db'), logLevel: 'silent', parties: parties.config }, 'test'), { tap });
  forgeRoundOneAggregate(coordinator.links);
  await Promise.all(MEMBERS.map((m) => parties.start(m, 'warn')));
  const online = Date.now() + 20_000;
  while (!MEMBERS.every((m) => coordinator.links.isOnline(m))) {
    if (Date.now() > online) throw new Error('members did not connect');
    await new Promise((r) => setTimeout(r, 50));
  }
}, 60_000);

afterAll(async () => {
  await parties?.stop();
  await coordinator?.close();
});

/** The one changed step: the round-1 "sum" m2 receives is m1's own upload. */
function forgeRoundOneAggregate(links: PartyLinks): void {
  const send = links.send.bind(links);
  links.send = ((party, kind, body, opts = {}) => {
    const agg = body as BodyOf<'hfl.aggregate'>;
    if (party === 'm2' && kind === 'hfl.aggregate' && agg.round === 1 && agg.purpose === 'update') {
      const victim = received.find((r) => r.job === opts.job && r.party === 'm1' && r.kind === 'hfl.upload' && (r.body as BodyOf<'hfl.upload'>).round === 1);
      if (!victim?.payload) throw new Error('the attack needs m1\'s round-1 upload');
      const members = claim === 'victim alone' ? ['m1'] : [...MEMBERS];
      return send(party, kind, { ...agg, members }, { ...opts, payload: victim.payload });
    }
    return send(party, kind, body, opts);
  }) as PartyLinks['send'];
}

async function attack(name: string): Promise<{ job: string; view: Awaited<ReturnType<Coordinator['runner']['waitFor']>> }> {
  const job = coordinator.runner.submit(breastHorizontal(name));
  return { job, view: await coordinator.runner.waitFor(job) };
}

/**
 * m2 refused with `code`; its ledger holds the very job.failed frame the coordinator got. No member
 * finished the job or kept a model.
 */
function expectRefused(job: string, name: string, code: string, message: RegExp): void {
  const failed = received.filter((r) => r.job === job && r.party === 'm2' && r.kind === 'job.failed');
  expect(failed.map((f) => f.error?.code)).toEqual([code]);
  expect(failed[0]?.error?.message).toMatch(message);
  const ledger = readLedger(ledgerPath(join(dir, 'party-m2')));
  expect(verifyChain(ledger).ok).toBe(true);
  const entry = ledger.filter((e) => e.job === job && e.kind === 'job.failed');
  expect(entry.map((e) => [e.to, e.sha256])).toEqual([['coordinator', failed[0]?.sha256]]);
  expect(received.filter((r) => r.job === job && r.kind === 'hfl.report')).toEqual([]);
  for (const m of MEMBERS) expect(existsSync(join(dir, `party-${m}`, 'models', name))).toBe(false);
}

describe('adversary: a coordinator that passes one member\'s update off as the aggregate', () => {
  it('named as a single contributor: the member refuses it before decrypting (policy minAggregateContributors)', async () => {
    claim = 'victim alone';
    const { job, view } = await attack('single-contributor');
    expect(view.state).toBe('failed');
    expect(view.error?.code).toBe('FM_ERR_POLICY_REFUSED');
    expectRefused(job, 'single-contributor', 'FM_ERR_POLICY_REFUSED',
      /^party m2 refused by its policy \(minAggregateContributors\): the aggregate for round 1 names 1 contributor, fewer than its minimum of 3; it was not decrypted$/);
  }, 90_000);

  it('named as the sum of all three members: the contribution tags give the lie away', async () => {
    claim = 'every member';
    const { job, view } = await attack('lying-count');
    expect(view.state).toBe('failed');
    expect(view.error?.code).toBe('FM_ERR_HFL_AGGREGATE');
    expectRefused(job, 'lying-count', 'FM_ERR_HFL_AGGREGATE',
      /^the aggregate for round 1 \(update\) was refused: its contribution tags do not match the 3 contributors it names \(m1, m2, m3\)/);
  }, 90_000);
});
