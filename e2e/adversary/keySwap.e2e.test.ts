// Attack: the coordinator hands out a key of its own instead of a party's, so that it could read
// what is sealed to it: a per-job channel key (Enc(d), a horizontal job's CKKS key, PSI values, or
// posing as the partner), or the seed-upload key a scientist seals a seed list to. The attacker is
// the real coordinator with one step changed: its link's `send` is wrapped so that the job.start it
// gives the guest carries a substituted host key, or the seed-key reply it receives from the party
// is swapped before it answers the uploader. Real party processes, real sockets; each party pins the
// other's identity fingerprint, and the uploader holds the guest's.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKeyPair } from '../../protocol/e2e/channel.ts';
import { newIdentity, signKey } from '../../protocol/identity/signedKey.ts';
import type { BodyOf, MessageKind } from '../../protocol/messages/index.ts';
import type { JobSpec } from '../../protocol/messages/jobSpec.ts';
import { ledgerPath, readLedger } from '../../party-node/audit/ledger.ts';
import { existsSync } from 'node:fs';
import type { LinkFrame } from '../../protocol/messages/index.ts';
import { uploadSeeds } from '../../coordinator/cli/seeds.ts';
import { pinIdentities } from '../../coordinator/simulate.ts';
import { breastVertical, startDeployment, waitForJob, type Deployment } from '../deployment.fixture.ts';

type StartPeer = BodyOf<'job.start'>['peers'][number];
/** How the attacker rewrites the host's entry and key in the job.start it sends to the guest. */
type Swap = (job: string, host: StartPeer, key: Buffer) => { peer: StartPeer; key: Buffer };

let d: Deployment;
let swap: Swap | undefined;
const attackerKey = newKeyPair().publicKey;

beforeAll(async () => {
  d = await startDeployment('keyswap', ['guest', 'host']);
  const links = d.coordinator.links;
  const send = links.send.bind(links);
  links.send = <K extends MessageKind>(party: string, kind: K, body: BodyOf<K>, opts: { job?: string; payload?: Uint8Array } = {}) => {
    if (!swap || kind !== 'job.start' || party !== 'guest' || !opts.payload || opts.job === undefined) return send(party, kind, body, opts);
    const start = body as BodyOf<'job.start'>;
    const i = start.peers.findIndex((p) => p.id === 'host');
    const keys = Buffer.from(opts.payload);
    const changed = swap(opts.job, start.peers[i] as StartPeer, keys.subarray(i * 32, (i + 1) * 32));
    changed.key.copy(keys, i * 32);
    const peers = start.peers.map((p, j) => (j === i ? changed.peer : p));
    return send(party, kind, { ...start, peers } as BodyOf<K>, { ...opts, payload: keys });
  };
}, 60_000);

afterAll(async () => {
  await d?.close();
});

function psiJob(name: string): JobSpec {
  return { name, kind: 'psi', parties: breastVertical(name, 1).parties };
}

async function runWith(name: string, attack: Swap | undefined) {
  swap = attack;
  try {
    const id = d.coordinator.runner.submit(psiJob(name));
    return { id, view: await waitForJob(d, id) };
  } finally {
    swap = undefined;
  }
}

function guestLedger(job: string) {
  return readLedger(ledgerPath(join(d.dir, 'guest'))).filter((e) => e.job === job);
}

describe('a coordinator that substitutes a partner key', () => {
  it('changes nothing when it relays honestly (the pins match)', async () => {
    const { view } = await runWith('honest', undefined);
    expect(view.state).toBe('succeeded');
    expect(view.result?.psi?.intersectionSize).toBe(569);
  }, 60_000);

  it.each([
    ['its own key under the host\'s signature', (_job: string, host: StartPeer) => ({ peer: host, key: attackerKey }),
      /the signature does not cover this key for job/],
    ['its own key signed by its own identity', (job: string, host: StartPeer) => {
      const coordinatorIdentity = newIdentity();
      const { identity, signature } = signKey(coordinatorIdentity, { owner: 'host', job, attempt: 0, purpose: 'e2e-x25519', key: attackerKey });
      return { peer: { ...host, endorsement: { identity: Buffer.from(identity).toString('hex'), signature: Buffer.from(signature).toString('hex') } }, key: attackerKey };
    }, /signed by identity [0-9A-F:]{95}, not the pinned one/],
    ['its own key, unsigned', (_job: string, host: StartPeer) => ({ peer: { id: host.id, role: host.role }, key: attackerKey }),
      /came without a signature/],
  ] as Array<[string, Swap, RegExp]>)('is refused at the guest when it sends %s, naming the host, and the guest records it', async (_what, attack, reason) => {
    const { id, view } = await runWith(`swap-${Math.random().toString(36).slice(2, 8)}`, attack);
    expect(view.state).toBe('failed');
    expect(view.error?.code).toBe('FM_ERR_AUTH_PEER_KEY');
    expect(view.error?.message).toMatch(/the e2e-x25519 key of partner host did not verify against its pinned identity/);
    expect(view.error?.message).toMatch(reason);
    const entries = guestLedger(id);
    const refusal = entries.find((e) => e.kind === 'refused.peer-key');
    expect(refusal).toMatchObject({ to: 'host', bytes: 0, sha256: createHash('sha256').update(attackerKey).digest('hex') });
    // The guest sealed nothing for the substituted key: no message of this job went to the "host".
    expect(entries.filter((e) => e.kind === 'relay.send')).toEqual([]);
    expect(entries.some((e) => e.kind === 'job.failed' && e.to === 'coordinator')).toBe(true);
  }, 60_000);
});

describe('a coordinator that substitutes a party\'s seed-upload key', () => {
  const seeds = Buffer.from('id\n12\n57\n133\n');

  it('is refused by the uploader before anything is sealed, naming the party; an honest relay delivers', async () => {
    const guestFingerprint = pinIdentities(d.dir, ['guest']).guest as string;
    const honest = await uploadSeeds(d.url, d.keys.scientist, 'guest', guestFingerprint, 'honest', seeds);
    expect(honest.rows).toBe(3);

    const links = d.coordinator.links;
    const emit = links.emit.bind(links);
    links.emit = ((event: string, party: string, frame: LinkFrame) => {
      if (event === 'frame' && frame.kind === 'seeds.keyed' && frame.payload) return emit('frame', party, { ...frame, payload: attackerKey });
      return (emit as (e: string, ...args: unknown[]) => boolean)(event, party, frame);
    }) as typeof links.emit;
    try {
      await expect(uploadSeeds(d.url, d.keys.scientist, 'guest', guestFingerprint, 'swapped', seeds))
        .rejects.toThrow(/the seed-upload-x25519 key of partner guest did not verify against its pinned identity: the signature does not cover this key/);
    } finally {
      links.emit = emit;
    }
    expect(existsSync(join(d.dir, 'guest', 'seeds', 'swapped.csv'))).toBe(false);
    expect(existsSync(join(d.dir, 'guest', 'seeds', 'honest.csv'))).toBe(true);
  }, 60_000);
});
