// Where a party keeps its incremental-PSI state for each partner (protocol/psi/reuse.ts): one file
// per partner and dataset under <workDir>/psi-reuse/, mode 0600, never sent anywhere. The party's
// config says which partners it reuses blinded sets with and how often their keys rotate
// (`psiReuse: { PARTNER: { rotateDays } }`); a state older than that is not offered, so the next
// PSI with that partner runs in full under new keys, and its file is replaced.
//
// File: MAGIC | u32 header length | header JSON | header MAC | sections. The header holds the
// state's numbers, the partner and each section's length and MAC; MACs are HMAC-SHA-256 under
// the party's own psi-reuse/mac.key (32 random bytes, made on first use). A file that does
// not verify — changed, cut short, copied from another partner — stops the job with an error that
// says so, rather than being trusted or silently dropped.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError } from '../../errors/table.ts';
import type { DatasetSpecWire } from '../../protocol/messages/dataset.ts';
import { randomBytes } from '../../protocol/psi/random.ts';
import type { PairState, ReuseStore } from '../../protocol/psi/reuse.ts';
import { sodium } from '../../protocol/psi/sodium.ts';
import { workPath } from '../workPath.ts';

const MAGIC = Buffer.from('FMPSIR01');
const MAC_BYTES = 32;
const DAY_MS = 86_400_000;
const Hex = (bytes: number) => Type.String({ pattern: `^[0-9a-f]{${2 * bytes}}$` });

export const PsiReuseSchema = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
  Type.Object({ rotateDays: Type.Number({ exclusiveMinimum: 0, maximum: 3650, description: 'days after which the key for this partner is replaced (the next PSI then runs in full)' }) }, { additionalProperties: false }),
  { description: 'partners this party keeps its blinded set for between PSI jobs, so a new job blinds only changed IDs; both sides must list each other' },
);
export type PsiReuseConfig = Static<typeof PsiReuseSchema>;

const SECTIONS = { guest: ['key', 'fingerprints', 'values', 'peerHandles', 'peerValues'], host: ['key', 'fingerprints', 'handles'] } as const;

const HeaderSchema = Type.Object(
  {
    partner: Type.String(),
    role: Type.Union([Type.Literal('guest'), Type.Literal('host')]),
    epoch: Hex(32),
    generation: Type.Integer({ minimum: 1 }),
    created: Type.Number(),
    nextHandle: Type.Integer({ minimum: 0 }),
    job: Type.String(),
    sections: Type.Array(Type.Object({ name: Type.String(), bytes: Type.Integer({ minimum: 0 }), mac: Hex(MAC_BYTES) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
type Header = Static<typeof HeaderSchema>;

/**
 * The stores of a job's main PSI: one per partner the config lists, for the job's table. A table
 * named by path (fedmark simulate) is keyed by its path, a catalogue table by its name.
 */
export function reuseStores(o: { party: string; workDir: string; partners: PsiReuseConfig | undefined; dataset: DatasetSpecWire; now?: () => number }): ((peer: string) => ReuseStore | undefined) | undefined {
  const partners = o.partners;
  if (partners === undefined || Object.keys(partners).length === 0) return undefined;
  const table = o.dataset.dataset !== undefined ? `dataset:${o.dataset.dataset}` : `path:${o.dataset.path ?? ''}`;
  const stores = new Map<string, ReuseStore>();
  return (peer) => {
    const settings = Object.hasOwn(partners, peer) ? partners[peer] : undefined;
    if (settings === undefined) return undefined;
    let store = stores.get(peer);
    if (store === undefined) {
      store = new FileReuseStore({ party: o.party, workDir: o.workDir, partner: peer, table, rotateDays: settings.rotateDays, now: o.now ?? Date.now });
      stores.set(peer, store);
    }
    return store;
  };
}

export class FileReuseStore implements ReuseStore {
  readonly path: string;
  private readonly o: { party: string; workDir: string; partner: string; table: string; rotateDays: number; now: () => number };

  constructor(o: { party: string; workDir: string; partner: string; table: string; rotateDays: number; now: () => number }) {
    this.o = o;
    const digest = Buffer.alloc(16);
    sodium.crypto_generichash(digest, Buffer.from(o.table));
    this.path = workPath(o.workDir, 'psi-reuse', o.partner, `${digest.toString('hex')}.state`);
  }

  async load(): Promise<PairState | undefined> {
    const file = await open(this.path, 'r').catch((err: unknown) => {
      if ((err as { code?: string }).code === 'ENOENT') return undefined;
      throw this.damaged('it cannot be read');
    });
    if (file === undefined) return undefined;
    try {
      const key = await macKey(this.o.workDir);
      const { header, sections } = await this.read(file, key);
      if (header.created + this.o.rotateDays * DAY_MS <= this.o.now()) return undefined;
      const base = { epoch: unhex(header.epoch), generation: header.generation, created: header.created, key: sections.key!, nextHandle: header.nextHandle, job: header.job, fingerprints: sections.fingerprints! };
      if (header.role === 'host') return { ...base, role: 'host', handles: asUint32(sections.handles!) };
      return { ...base, role: 'guest', values: sections.values!, peerHandles: asUint32(sections.peerHandles!), peerValues: sections.peerValues! };
    } finally {
      await file.close();
    }
  }

  async save(state: PairState): Promise<void> {
    const key = await macKey(this.o.workDir);
    const parts: Record<string, Uint8Array> = state.role === 'guest'
      ? { key: state.key, fingerprints: state.fingerprints, values: state.values, peerHandles: bytesOf(state.peerHandles), peerValues: state.peerValues }
      : { key: state.key, fingerprints: state.fingerprints, handles: bytesOf(state.handles) };
    const names = SECTIONS[state.role];
    const header: Header = {
      partner: this.o.partner, role: state.role, epoch: hex(state.epoch), generation: state.generation, created: state.created,
      nextHandle: state.nextHandle, job: state.job,
      sections: names.map((name) => ({ name, bytes: parts[name]!.length, mac: hex(mac(key, [Buffer.from(`${name}\u0000`), parts[name]!])) })),
    };
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(json.length);
    const tmp = `${this.path}.tmp`;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const handle = await open(tmp, 'w', 0o600);
    try {
      const lead = Buffer.concat([MAGIC, length]);
      for (const part of [lead, json, mac(key, [lead, json]), ...names.map((n) => parts[n]!)]) await handle.write(part);
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
  }

  /** Header and sections, each section read into its own buffer and checked against its MAC. */
  private async read(file: FileHandle, key: Uint8Array): Promise<{ header: Header; sections: Record<string, Uint8Array> }> {
    const size = (await file.stat()).size;
    const at = async (position: number, bytes: number): Promise<Uint8Array> => {
      if (position + bytes > size) throw this.damaged('it is cut short');
      const out = new Uint8Array(bytes);
      for (let done = 0; done < bytes;) {
        const { bytesRead } = await file.read(out, done, Math.min(bytes - done, 1 << 30), position + done);
        if (bytesRead === 0) throw this.damaged('it is cut short');
        done += bytesRead;
      }
      return out;
    };
    const lead = await at(0, MAGIC.length + 4);
    if (!MAGIC.equals(lead.subarray(0, MAGIC.length))) throw this.damaged('it is not a PSI reuse file');
    const length = new DataView(lead.buffer).getUint32(MAGIC.length);
    const json = await at(lead.length, length);
    if (!equal(mac(key, [lead, json]), await at(lead.length + length, MAC_BYTES))) throw this.tampered();
    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(json).toString('utf8'));
    } catch {
      throw this.tampered();
    }
    if (!Value.Check(HeaderSchema, header)) throw this.tampered();
    if (header.partner !== this.o.partner) throw this.damaged(`it is the file of partner "${header.partner}"`);
    const names = SECTIONS[header.role];
    if (header.sections.length !== names.length || header.sections.some((s, i) => s.name !== names[i])) throw this.tampered();
    const sections: Record<string, Uint8Array> = {};
    let position = lead.length + length + MAC_BYTES;
    for (const s of header.sections) {
      const bytes = await at(position, s.bytes);
      if (!equal(mac(key, [Buffer.from(`${s.name}\u0000`), bytes]), unhex(s.mac))) throw this.tampered();
      sections[s.name] = bytes;
      position += s.bytes;
    }
    if (position !== size) throw this.tampered();
    return { header, sections };
  }

  private tampered(): FedmarkError {
    return this.damaged(`it fails its integrity check (changed or damaged); delete it and the next PSI with ${this.o.partner} runs in full`);
  }

  private damaged(reason: string): FedmarkError {
    return new FedmarkError('FM_ERR_DATA_FILE', { party: this.o.party, file: `the PSI reuse file for partner "${this.o.partner}"`, reason }, { local: { path: this.path } });
  }
}

async function macKey(workDir: string): Promise<Uint8Array> {
  const path = workPath(workDir, 'psi-reuse', 'mac.key');
  const held = await readFile(path).catch(() => undefined);
  if (held?.length === 32) return held;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const fresh = randomBytes(32);
  // 'wx': two jobs starting at once must not each make a key; the loser reads the winner's.
  await writeFile(path, fresh, { mode: 0o600, flag: 'wx' }).catch(async (err: unknown) => {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  });
  return readFile(path);
}

/** HMAC-SHA-256 (RFC 2104) of the parts in a row. */
function mac(key: Uint8Array, parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const part of parts) h.update(part);
  return h.digest();
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function bytesOf(values: Uint32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function asUint32(bytes: Uint8Array): Uint32Array {
  if (bytes.byteOffset % 4 !== 0 || bytes.length % 4 !== 0) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'misaligned handles in a PSI reuse file' });
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function unhex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}
