// Scoring handles. When PSI ends, the guest and each host give every shared customer a 16-byte
// handle: keyed BLAKE2b of its row index in the canonical order, under a key only that pair derives
// from its end-to-end channel. Online scoring then names a customer to a host by handle only: the
// host learns that one of the customers it already shares is scored, never an ID it does not hold;
// the coordinator, which lacks the key, cannot tell which row a handle is. Each party keeps the
// handles it shares with a partner as one file per partner in the job's folder, in canonical order,
// and beside them a second key derived from the same channel, which seals a host's split decisions
// for the guest at scoring time (protocol/peer/sealedFlags.ts) so the coordinator cannot read them.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sodium from 'sodium-native';
import { FedmarkError } from '../../errors/table.ts';
import type { Channel } from '../../protocol/e2e/channel.ts';
import type { Role } from '../../protocol/messages/job.ts';
import { HANDLE_BYTES } from '../../protocol/messages/score.ts';

const LABEL = 'scoring-handles';
const SEAL_LABEL = 'scoring-seal';

/** The handles of rows 0..rows-1, concatenated in canonical order. */
export function deriveHandles(key: Uint8Array, rows: number): Buffer {
  const out = Buffer.alloc(rows * HANDLE_BYTES);
  const index = Buffer.alloc(4);
  const k = Buffer.from(key);
  for (let r = 0; r < rows; r++) {
    index.writeUInt32BE(r);
    sodium.crypto_generichash(out.subarray(r * HANDLE_BYTES, (r + 1) * HANDLE_BYTES), index, k);
  }
  return out;
}

function handlesDir(workDir: string, job: string): string {
  return join(workDir, 'jobs', job, 'handles');
}

/**
 * At PSI end: the handles this party shares with each partner it scores with (the guest: every
 * host; a host: the guest), written at its own premises only.
 */
export async function writeHandles(workDir: string, job: string, channels: ReadonlyMap<string, Channel>, partners: readonly string[], rows: number): Promise<void> {
  const dir = handlesDir(workDir, job);
  await mkdir(dir, { recursive: true });
  for (const partner of partners) {
    const channel = channels.get(partner);
    if (!channel) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `no channel with ${partner} to derive scoring handles` });
    await writeFile(join(dir, `${partner}.bin`), deriveHandles(channel.deriveKey(LABEL), rows), { mode: 0o600 });
    await writeFile(join(dir, `${partner}.seal`), channel.deriveKey(SEAL_LABEL), { mode: 0o600 });
  }
}

/** The key this party shares with `partner` to seal scoring decisions (written at PSI end). */
export async function readSealKey(workDir: string, job: string, party: string, partner: string): Promise<Buffer> {
  const key = await readFile(join(handlesDir(workDir, job), `${partner}.seal`)).catch((err: unknown) => {
    throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name: `the scoring seal key of job ${job} with ${partner}`, version: `at party ${party} (a model trained before sealed scoring existed: train it again)` }, { cause: err });
  });
  if (key.length !== 32) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: `scoring seal key with ${partner} at party ${party}`, expected: '32 bytes', got: `${key.length} bytes` });
  return key;
}

/** The partners this party keeps handles for, with their handles in canonical order. */
export async function readHandles(workDir: string, job: string, party: string): Promise<Map<string, Buffer>> {
  const dir = handlesDir(workDir, job);
  const files = await readdir(dir).catch((err: unknown) => {
    throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name: `the scoring handles of job ${job}`, version: `at party ${party} (a model trained before handles existed: train it again)` }, { cause: err });
  });
  const handles = new Map<string, Buffer>();
  for (const file of files.filter((f) => f.endsWith('.bin')).sort()) handles.set(file.slice(0, -'.bin'.length), await readFile(join(dir, file)));
  return handles;
}

/** Whom a party keeps handles with: the guest with every host, a host with the guest. */
export function scoringPartners(role: Role, peers: ReadonlyArray<{ id: string; role: Role }>): string[] {
  return peers.filter((p) => (role === 'guest' ? p.role === 'host' : p.role === 'guest')).map((p) => p.id);
}
