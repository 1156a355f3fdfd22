// Runs this party's side of PSI for one job: sealed messages to and from peers through the
// coordinator's relay; the result stays here as the aligned row order for later steps.
import { open, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Channel, type KeyPair } from '../../protocol/e2e/channel.ts';
import { PsiGuest, PsiHost } from '../../protocol/psi/session.ts';
import type { BlindingPool } from '../../protocol/psi/pool.ts';
import type { ReuseStore } from '../../protocol/psi/reuse.ts';
import type { Dataset } from '../data/dataset.ts';
import type { Role } from '../../protocol/messages/job.ts';
import { withTopic, type Topic } from './topics.ts';
import { workPath } from '../workPath.ts';

/** Bytes of the intersection file per write. */
const BLOCK_BYTES = 1 << 20;

export interface PsiRun {
  session: PsiGuest | PsiHost;
  channels: Map<string, Channel>;
}

export function openChannels(job: string, self: string, peers: Array<{ id: string; publicKey: Uint8Array }>, keys: KeyPair): Map<string, Channel> {
  return new Map(peers.map((p) => [p.id, new Channel(job, self, p.id, keys, p.publicKey)]));
}

/**
 * One PSI run over `channels`. `topic` keeps it apart from other conversations of the job (the
 * evaluation tables' PSI runs alongside the training tables'); `domain` separates its hashes.
 */
export function startPsi(opts: {
  domain: string;
  topic: Topic;
  role: Role;
  dataset: Dataset;
  peers: Array<{ id: string; role: Role }>;
  channels: Map<string, Channel>;
  pool: BlindingPool;
  chunkSize: number;
  relay: (to: string, sealed: Buffer) => void;
  /** The stores of the partners this party reuses blinded sets with (psiReuse.ts reuseStores); none: per-job keys only. */
  reuse?: ((peer: string) => ReuseStore | undefined) | undefined;
}): PsiRun {
  const { channels } = opts;
  const ctx = {
    job: opts.domain,
    pool: opts.pool,
    chunkSize: opts.chunkSize,
    send: (peer: string, frame: Buffer) => opts.relay(peer, (channels.get(peer) as Channel).seal(withTopic(opts.topic, frame))),
    ...(opts.reuse ? { reuse: opts.reuse } : {}),
  };
  const guest = opts.peers.find((p) => p.role === 'guest');
  const session =
    opts.role === 'guest'
      ? new PsiGuest(ctx, opts.dataset.idList, opts.peers.filter((p) => p.role === 'host').map((p) => p.id))
      : new PsiHost(ctx, opts.dataset.idList, guest?.id ?? '');
  return { session, channels };
}

/**
 * The intersection in canonical order, as this party's own IDs; written only at this party, a
 * block of bytes at a time, copied from the dataset's ID column without making strings.
 */
export async function writeIntersection(workDir: string, job: string, dataset: Dataset, rows: Uint32Array, file = 'intersection.csv'): Promise<string> {
  const path = workPath(workDir, 'jobs', job, file);
  await mkdir(dirname(path), { recursive: true });
  const out = await open(path, 'w', 0o600);
  try {
    let block = Buffer.allocUnsafe(BLOCK_BYTES);
    let at = block.write('id\n');
    for (const r of rows) {
      const raw = dataset.rawIdBytes(r);
      const bytes = needsQuotes(raw) ? Buffer.from(quoted(dataset.rawId(r))) : raw;
      if (at + bytes.length + 1 > block.length) {
        await out.write(block.subarray(0, at));
        at = 0;
        if (bytes.length + 1 > block.length) block = Buffer.allocUnsafe(bytes.length + 1);
      }
      block.set(bytes, at);
      at += bytes.length;
      block[at++] = 0x0a;
    }
    await out.write(block.subarray(0, at));
  } finally {
    await out.close();
  }
  return path;
}

/** A quote, comma or line break: the cell must be quoted. */
function needsQuotes(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b === 0x22 || b === 0x2c || b === 0x0a || b === 0x0d) return true;
  return false;
}

function quoted(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}
