// `fedmark seeds upload`: a scientist sends a lookalike seed list to the guest through a running
// coordinator. The file is sealed here to the party's seed-upload key (fetched from the
// coordinator), so the coordinator relays bytes it cannot read; the party keeps it under --name.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { FedmarkError } from '../../protocol/errors.ts';
import { sealTo } from '../../protocol/e2e/sealedBox.ts';
import { fail } from './output.ts';
import { usageError } from '../../protocol/usage.ts';

export const SEEDS_HELP = `usage: fedmark seeds upload --party ID --name NAME --file seeds.csv [--json] [--coordinator URL] [--api-key KEY]

Seals the CSV to the party's seed-upload key and sends it through a running coordinator, which
cannot read it; the party checks it and keeps it as NAME. A lookalike job then names it:
  seeds: { upload: NAME, idColumn: customer_id }
Coordinator and key as for fedmark job (a scientist or admin key).`;

/** Seals `csv` to `party`'s key and uploads it; returns the rows the party stored. */
export async function uploadSeeds(base: string, apiKey: string, party: string, name: string, csv: Uint8Array): Promise<{ party: string; name: string; rows: number }> {
  const call = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base.replace(/\/$/, '')}${path}`, {
      method, headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const payload = (await res.json()) as T & { code?: string; message?: string };
    if (!res.ok) throw Object.assign(new Error(`${payload.code ?? res.status}: ${payload.message ?? res.statusText}`), { status: res.status });
    return payload;
  };
  const { publicKey } = await call<{ publicKey: string }>('GET', `/v1/parties/${encodeURIComponent(party)}/seed-key`);
  const sealed = sealTo(Buffer.from(publicKey, 'hex'), csv);
  return call('POST', `/v1/parties/${encodeURIComponent(party)}/seeds`, { name, sealed: sealed.toString('base64') });
}

export async function seedsCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { party: { type: 'string' }, name: { type: 'string' }, file: { type: 'string' }, coordinator: { type: 'string' }, 'api-key': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return void console.log(SEEDS_HELP);
  if (positionals[0] !== 'upload') usageError(positionals[0] === undefined ? 'seeds needs a command: upload' : `unknown seeds command "${positionals[0]}" (upload)`);
  const need = (flag: 'party' | 'name' | 'file'): string => values[flag] ?? usageError(`seeds upload needs --${flag}`);
  const [party, name, file] = [need('party'), need('name'), need('file')];
  const csv = await readFile(file).catch((err: NodeJS.ErrnoException) => fail(`cannot read ${file}: ${err.code ?? err.message}`));
  const base = values.coordinator ?? process.env.FEDMARK_COORDINATOR ?? 'http://127.0.0.1:7400';
  try {
    const stored = await uploadSeeds(base, values['api-key'] ?? process.env.FEDMARK_API_KEY ?? '', party, name, csv);
    console.log(values.json ? JSON.stringify(stored) : `${stored.party} keeps ${stored.rows} rows as seed list ${stored.name}; in a lookalike job: seeds: { upload: ${stored.name}, idColumn: … }`);
  } catch (err) {
    fail(err instanceof FedmarkError ? err.message : (err as Error).message, 1);
  }
}
