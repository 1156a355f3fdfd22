// The operator's path on one host, run as the deployment guide gives it: deploy/operator-path.sh
// (the guide shows that file verbatim) in an empty folder, with this clone's bin/fedmark on the PATH
// as an installed copy's would be. Each step's output is checked against what the guide says it
// prints; the script's own services are gone when it ends.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../fixtures.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(REPO, 'deploy', 'operator-path.sh');

let dir: string;
let port: number;
let code: number | null;
/** stdout and stderr interleaved as they came, split at the script's "== N. …" headings. */
const steps = new Map<number, string>();

function step(n: number): string {
  const text = steps.get(n);
  if (text === undefined) throw new Error(`the script never reached step ${n}; it ended (exit ${code}) after:\n${[...steps.values()].at(-1)}`);
  return text;
}

beforeAll(async () => {
  dir = await tempDir('operator-path');
  port = await freePort();
  const transcript = await new Promise<string>((resolve, reject) => {
    const child = spawn('sh', [SCRIPT], { cwd: dir, env: { PATH: `${join(REPO, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: process.env.HOME ?? '/root', PORT: String(port) } });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.stderr.on('data', (b: Buffer) => (text += b.toString()));
    child.on('error', reject);
    child.on('close', (exit) => {
      code = exit;
      resolve(text);
    });
  });
  for (const part of transcript.split(/^(?===\s\d+\.)/m)) {
    const n = /^== (\d+)\./.exec(part)?.[1];
    if (n) steps.set(Number(n), part);
  }
}, 300_000);

describe('the operator path of deploy/operator-path.sh', () => {
  it('1. makes the CA and a certificate for localhost and 127.0.0.1, and prints its fingerprint', () => {
    expect(step(1)).toMatch(/^sha256 Fingerprint=([0-9A-F]{2}:){31}[0-9A-F]{2}$/m);
    for (const file of ['ca.crt', 'ca.key', 'coordinator.crt', 'coordinator.key']) expect(existsSync(join(dir, file))).toBe(true);
  });

  it('2. writes the coordinator config from the printed secrets: two parties, one admin key, digests only', () => {
    const text = step(2);
    expect(text).toMatch(/^ {2}- \{ id: bank, tokenSha256: [0-9a-f]{64} \}$/m);
    expect(text).toMatch(/^ {2}- \{ id: insurer, tokenSha256: [0-9a-f]{64} \}$/m);
    expect(text).toMatch(/^ {2}- \{ id: ops, role: admin, keySha256: [0-9a-f]{64} \}$/m);
    expect(text).not.toMatch(/fm[pk]_/);
  });

  it('3. starts the coordinator, which says it serves HTTPS', () => {
    expect(step(3)).toContain(`Server listening at https://127.0.0.1:${port}`);
    expect(existsSync(join(dir, 'state', 'coordinator.db'))).toBe(true);
  });

  it('4. creates each party\'s identity key beside its config and prints the fingerprint to pin', () => {
    for (const party of ['bank', 'insurer']) {
      expect(step(4)).toMatch(new RegExp(`^${party} identity fingerprint \\(SHA-256, Ed25519\\):\\n {2}([0-9A-F]{2}:){31}[0-9A-F]{2}\\nkey file: ${party}/${party}.identity.key \\(created now\\)$`, 'm'));
    }
  });

  it('5. connects both party nodes over WSS: the bank checks the CA and the host name, the insurer the pin', () => {
    expect(step(5)).toContain(`bank and insurer connected to wss://localhost:${port}`);
  });

  it('6. creates keys, runs the job, publishes, scores with the scorer key, hands out a dashboard link and revokes a key', () => {
    const text = step(6);
    expect(text).toMatch(/^API key alice \(scientist, 600\/min, expires \d{4}-\d\d-\d\dT[\d:.]+Z\), shown once/m);
    expect(text).toMatch(/^API key campaign-service \(scorer, 600\/min\), shown once/m);
    expect(text).toMatch(/^ {2}epoch 5\/5: evaluation loss \d\.\d{4}, AUC 0\.9\d{3}/m);
    expect(text).toMatch(/^job-[\w-]+ breast-propensity \(vertical\): succeeded, intersection 569$/m);
    expect(text).toMatch(/^breast-propensity v1 {2}published {2}AUC 0\.9\d{3}/m);
    expect(text).toMatch(/^133 +0\.\d{4} +\d+ {2}ok$/m);
    expect(text).toMatch(/^273 +0\.\d{4} +\d+ {2}ok$/m);
    expect(text).toMatch(new RegExp(`^https://localhost:${port}/ui/#/login-link/fml_[\\w-]{43}$`, 'm'));
    expect(text).toMatch(/^API key alice revoked at .*: it is refused from now on$/m);
    expect(text).toMatch(/^fedmark: FM_ERR_AUTH_KEY_REVOKED: API key alice was revoked at .*; ask an admin for a new one \(key from FEDMARK_KEY\)$/m);
  });

  it('7. shows the bank\'s audit ledger intact, with what the bank sent to the insurer sealed', () => {
    const text = step(7);
    expect(text).toMatch(/^ledger .*bank\/work\/audit\.db: \d+ entries, chain intact/m);
    expect(text).toMatch(/^ {2}to insurer \(sealed, through the relay\): /m);
  });

  it('ends with exit 0 and leaves no coordinator or party running', async () => {
    expect(code).toBe(0);
    const refused = await new Promise<string>((resolve) => connect(port, '127.0.0.1').on('connect', () => resolve('connected')).on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error')));
    expect(refused).toBe('ECONNREFUSED');
  });
});
