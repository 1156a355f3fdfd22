// A party's checkpoints of one job, in its own work dir (never sent anywhere): the PSI result (its
// rows in the canonical intersection order, which a re-run of PSI would not reproduce since the
// blinding scalars are fresh) and the training state after each epoch. A later attempt of the job
// resumes from them. Files are written whole to a temporary name and renamed, so a kill leaves
// either the old or the new file; the last two epochs are kept, because the guest checkpoints an
// epoch before its hosts do and the coordinator resumes from the newest epoch every party holds.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError } from '../../errors/table.ts';
import type { BodyOf } from '../../protocol/messages/index.ts';
import { workPath } from '../workPath.ts';

const KEEP_EPOCHS = 2;

const PsiFileSchema = Type.Object({
  attempt: Type.Integer({ minimum: 0 }),
  fingerprint: Type.String(),
  rows: Type.String(),
  evalRows: Type.Optional(Type.String()),
});
type PsiFile = Static<typeof PsiFileSchema>;

const EpochFileSchema = Type.Object({ psi: Type.Integer({ minimum: 0 }), epochs: Type.Integer({ minimum: 0 }), state: Type.Unknown() });

export interface PsiCheckpoint {
  attempt: number;
  rows: Uint32Array;
  evalRows?: Uint32Array;
}

export class JobCheckpoints {
  readonly dir: string;
  private readonly fingerprint: string;

  /** `fingerprint` identifies the input tables (see tableFingerprint): a changed table voids the checkpoints. */
  constructor(workDir: string, job: string, fingerprint: string) {
    this.dir = workPath(workDir, 'jobs', job, 'checkpoint');
    this.fingerprint = fingerprint;
  }

  /** What an attempt can resume from, as reported in job.ready; undefined when there is no usable PSI result. */
  async held(): Promise<BodyOf<'job.ready'>['checkpoint']> {
    const psi = await this.readPsiFile();
    if (!psi) return undefined;
    const epochs: number[] = [];
    for (const n of await this.epochFiles()) {
      const file = await this.readEpochFile(n);
      if (file?.psi === psi.attempt) epochs.push(n);
    }
    return { psi: psi.attempt, epochs: epochs.sort((a, b) => b - a).slice(0, KEEP_EPOCHS) };
  }

  /** A new PSI result voids every epoch trained on the previous one. */
  async savePsi(attempt: number, rows: Uint32Array, evalRows?: Uint32Array): Promise<void> {
    await this.clear();
    const file: PsiFile = { attempt, fingerprint: this.fingerprint, rows: toBase64(rows) };
    if (evalRows) file.evalRows = toBase64(evalRows);
    await this.write('psi.json', file);
  }

  async loadPsi(attempt: number): Promise<PsiCheckpoint> {
    const file = await this.readPsiFile();
    if (!file || file.attempt !== attempt) throw this.missing(`PSI result of attempt ${attempt}`);
    const out: PsiCheckpoint = { attempt, rows: fromBase64(file.rows, Uint32Array) };
    if (file.evalRows !== undefined) out.evalRows = fromBase64(file.evalRows, Uint32Array);
    return out;
  }

  /** Stores the training state after `epochs` completed epochs and drops all but the newest two. */
  async saveEpoch(psi: number, epochs: number, state: unknown): Promise<void> {
    await this.write(`epoch-${epochs}.json`, { psi, epochs, state: encodeState(state) });
    const old = (await this.epochFiles()).sort((a, b) => b - a).slice(KEEP_EPOCHS);
    await Promise.all(old.map((n) => rm(join(this.dir, `epoch-${n}.json`), { force: true })));
  }

  /** The state saved after `epochs` epochs on the PSI result of attempt `psi`; 0 epochs means a fresh start. */
  async loadEpoch(psi: number, epochs: number): Promise<unknown> {
    if (epochs === 0) return undefined;
    const file = await this.readEpochFile(epochs);
    if (file?.psi !== psi) throw this.missing(`training state after ${epochs} epochs`);
    return decodeState(file.state);
  }

  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }


  private missing(what: string): FedmarkError {
    // Goes to the coordinator: names the checkpoint, not the folder it was looked for in.
    return new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: `no ${what} among this party's checkpoints` });
  }

  private async write(name: string, value: unknown): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, `.${name}.tmp`);
    await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
    await rename(tmp, join(this.dir, name));
  }

  private async readJson(name: string): Promise<unknown> {
    try {
      return JSON.parse(await readFile(join(this.dir, name), 'utf8'));
    } catch {
      return undefined;
    }
  }

  private async readPsiFile(): Promise<PsiFile | undefined> {
    const file = await this.readJson('psi.json');
    return Value.Check(PsiFileSchema, file) && file.fingerprint === this.fingerprint ? file : undefined;
  }

  private async readEpochFile(epochs: number): Promise<Static<typeof EpochFileSchema> | undefined> {
    const file = await this.readJson(`epoch-${epochs}.json`);
    return Value.Check(EpochFileSchema, file) && file.epochs === epochs ? file : undefined;
  }

  private async epochFiles(): Promise<number[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.flatMap((n) => {
      const m = /^epoch-(\d+)\.json$/.exec(n);
      return m ? [Number(m[1])] : [];
    });
  }
}

/** One digest of the input tables' fingerprints (see DataCatalogue.load): a changed table gives another. */
export function tableFingerprint(sources: readonly string[]): string {
  const hash = createHash('sha256');
  for (const source of sources) hash.update(`${source}\u0000`);
  return hash.digest('hex');
}

// Training states hold Float64Arrays: they travel as base64 of their bytes, exact (and NaN/±Infinity safe).
function encodeState(value: unknown): unknown {
  if (value instanceof Float64Array) return { $f64: toBase64(value) };
  if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) };
  if (Array.isArray(value)) return value.map(encodeState);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeState(v)]));
  return value;
}

function decodeState(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeState);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$f64 === 'string') return fromBase64(o.$f64, Float64Array);
    if (typeof o.$num === 'string') return Number(o.$num);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decodeState(v)]));
  }
  return value;
}

function toBase64(a: Uint32Array | Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromBase64<T extends Uint32Array | Float64Array>(text: string, Kind: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % Kind.BYTES_PER_ELEMENT !== 0) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'checkpoint array has a partial element' });
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return new Kind(copy);
}

/** Deletes a job's checkpoints without knowing its tables (a cancelled job, possibly from before a restart). */
export async function clearCheckpoints(workDir: string, job: string): Promise<void> {
  await rm(workPath(workDir, 'jobs', job, 'checkpoint'), { recursive: true, force: true });
}
