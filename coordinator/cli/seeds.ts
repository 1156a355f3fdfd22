// `fedmark seeds upload`: a scientist sends a lookalike seed list to the guest through a running
// coordinator. The file is sealed here to the party's seed-upload key (fetched from the
// coordinator, and checked against the party's identity fingerprint so that the coordinator cannot
// hand out a key of its own), so the coordinator relays bytes it cannot read; the party keeps it under --name.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { FedmarkError } from '../../errors/table.ts';
import { sealTo } from '../../protocol/e2e/sealedBox.ts';
import { fail } from './output.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, resolveConnection } from './client.ts';
import { FINGERPRINT_PATTERN, NO_JOB, verifyKey } from '../../protocol/identity/signedKey.ts';
import type { KeyEndorsementWire } from '../../protocol/messages/identity.ts';
import { usageError } from '../../protocol/usage.ts';

export const SEEDS_HELP = `usage: fedmark seeds upload --party ID --fingerprint FP --name NAME --file seeds.csv [--json] [--url URL] [--key KEY]

Seals the CSV to the party's seed-upload key and sends it through a running coordinator, which
cannot read it; the party checks it and keeps it as NAME. FP is the party's identity fingerprint
(its operator prints it with fedmark party identity): a key the party's identity did not sign is
refused before anything is sealed. A lookalike job then names the list:
  seeds: { upload: NAME, idColumn: customer_id }
A scientist or admin key. ${CONNECTION_HELP}`;

/** Seals `csv` to `party`'s key, once its signature checks against `fingerprint`, and uploads it; returns the rows the party stored. */
export async function uploadSeeds(
  base: string, apiKey: string, party: string, fingerprint: string, name: string, csv: Uint8Array,
): Promise<{ party: string; name: string; rows: number }> {
  const call = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base.replace(/\/$/, '')}${path}`, {
      method, headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const payload = (await res.json()) as T & { code?: string; message?: string };
    if (!res.ok) throw Object.assign(new Error(`${payload.code ?? res.status}: ${payload.message ?? res.statusText}`), { status: res.status });
    return payload;
  };
  const { publicKey, endorsement } = await call<{ publicKey: string; endorsement?: KeyEndorsementWire }>('GET', `/v1/parties/${encodeURIComponent(party)}/seed-key`);
  const key = Buffer.from(publicKey, 'hex');
  verifyKey({ [party]: fingerprint }, { owner: party, job: NO_JOB, attempt: 0, purpose: 'seed-upload-x25519', key }, endorsement && {
    identity: Buffer.from(endorsement.identity, 'hex'), signature: Buffer.from(endorsement.signature, 'hex'),
  });
  const sealed = sealTo(key, csv);
  return call('POST', `/v1/parties/${encodeURIComponent(party)}/seeds`, { name, sealed: sealed.toString('base64') });
}

export async function seedsCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { ...CONNECTION_OPTIONS, party: { type: 'string' }, fingerprint: { type: 'string' }, name: { type: 'string' }, file: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return void console.log(SEEDS_HELP);
  if (positionals[0] !== 'upload') usageError(positionals[0] === undefined ? 'seeds needs a command: upload' : `unknown seeds command "${positionals[0]}" (upload)`);
  const need = (flag: 'party' | 'name' | 'file' | 'fingerprint'): string => values[flag] ?? usageError(`seeds upload needs --${flag}`);
  const [party, name, file, fingerprint] = [need('party'), need('name'), need('file'), need('fingerprint')];
  if (!new RegExp(FINGERPRINT_PATTERN).test(fingerprint)) usageError('seeds upload --fingerprint takes the party\'s SHA-256 identity fingerprint, 32 bytes of hex (colons optional)');
  const csv = await readFile(file).catch((err: NodeJS.ErrnoException) => fail(`cannot read ${file}: ${err.code ?? err.message}`));
  // The same coordinator and key as every other command (flags, FEDMARK_URL / FEDMARK_KEY, cli.yaml).
  const connection = await resolveConnection(values);
  try {
    const stored = await uploadSeeds(connection.url, connection.key, party, fingerprint, name, csv);
    console.log(values.json ? JSON.stringify(stored) : `${stored.party} keeps ${stored.rows} rows as seed list ${stored.name}; in a lookalike job: seeds: { upload: ${stored.name}, idColumn: … }`);
  } catch (err) {
    fail(err instanceof FedmarkError ? err.message : (err as Error).message, 1);
  }
}
