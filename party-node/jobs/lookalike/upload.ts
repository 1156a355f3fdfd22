// Seed lists uploaded through the API: a scientist seals the CSV to this party's seed-upload key
// (fedmark seeds upload), the coordinator relays bytes it cannot read, and the party opens, checks
// and keeps the list in its work directory, where a lookalike job names it (seeds: { upload }).
// The key pair is made once and kept in the work directory (mode 0600).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { FedmarkError } from '../../../errors/table.ts';
import { newBoxKeyPair, openSealed, type BoxKeyPair } from '../../../protocol/e2e/sealedBox.ts';
import type { BodyOf } from '../../../protocol/messages/index.ts';
import { parseCsv } from '../../data/csv.ts';
import { workPath } from '../../workPath.ts';

const cached = new Map<string, Promise<BoxKeyPair>>();

export function seedUploadKey(workDir: string): Promise<BoxKeyPair> {
  let keys = cached.get(workDir);
  if (!keys) {
    keys = loadOrCreate(join(workDir, 'keys', 'seed-upload.json'));
    cached.set(workDir, keys);
    keys.catch(() => cached.delete(workDir));
  }
  return keys;
}

async function loadOrCreate(file: string): Promise<BoxKeyPair> {
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as { publicKey: string; secretKey: string };
    return { publicKey: Buffer.from(saved.publicKey, 'hex'), secretKey: Buffer.from(saved.secretKey, 'hex') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const keys = newBoxKeyPair();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify({ publicKey: keys.publicKey.toString('hex'), secretKey: Buffer.from(keys.secretKey).toString('hex') }), { mode: 0o600, flag: 'wx' });
  return keys;
}

export function uploadedSeedsPath(workDir: string, name: string): string {
  return workPath(workDir, 'seeds', `${name}.csv`);
}

export async function storeUploadedSeeds(workDir: string, party: string, body: BodyOf<'seeds.store'>, sealed: Uint8Array | undefined, log: Logger): Promise<BodyOf<'seeds.stored'>> {
  const csv = openSealed(await seedUploadKey(workDir), sealed ?? new Uint8Array(0), `the seed upload ${body.name}`);
  const table = parseCsv(csv, { party, file: `upload ${body.name}` });
  if (table.rows === 0) throw new FedmarkError('FM_ERR_DATA_EMPTY', { party, file: `upload ${body.name}` });
  await mkdir(join(workDir, 'seeds'), { recursive: true, mode: 0o700 });
  await writeFile(uploadedSeedsPath(workDir, body.name), csv, { mode: 0o600 });
  log.info({ name: body.name, rows: table.rows }, 'seed list stored');
  return { rows: table.rows };
}
