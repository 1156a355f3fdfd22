// The `fedmark` command as a data team would use it: help on every command, simulate --json,
// and a real deployment: coordinator and party processes, tokens, `job submit --wait`.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { FATE_DIR } from '../data/sets.ts';
import { tempDir } from './fixtures.ts';

const CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../examples/breast-psi.yaml', import.meta.url));
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

function fedmark(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function background(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], { env: { ...process.env, ...env } });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('fedmark CLI', () => {
  it('has --help on every command', async () => {
    // The processes run side by side: each spends most of its time starting Node.
    const commands = ['coordinator', 'party', 'simulate', 'demo', 'job', 'jobs', 'parties', 'models', 'score', 'keys', 'token'];
    const [unknown, ...helps] = await Promise.all([fedmark(['frobnicate']), ...commands.map((command) => fedmark([command, '--help']))]);
    commands.forEach((command, i) => {
      const { code, stdout } = helps[i] as { code: number; stdout: string };
      expect(code, command).toBe(0);
      expect(stdout).toContain(`usage: fedmark ${command}`);
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('a missing required argument: exit 2 and one line naming it, with a pointer to --help (no help page on stdout)', async () => {
    const cases: Array<[string[], string]> = [
      [['simulate'], 'simulate needs a job file: fedmark simulate JOB.yaml (see fedmark simulate --help)'],
      [['score'], 'score needs --model NAME (see fedmark score --help)'],
      [['keys'], 'keys needs a command: create, list or revoke (see fedmark keys --help)'],
      [['keys', 'revoke'], 'keys revoke needs the key\'s NAME (see fedmark keys --help)'],
      [['keys', 'create', '--role', 'scorer', '--expires', 'soon'], '--expires takes a date (2027-01-31), a time (2027-01-31T18:00:00Z) or a duration (90d, 12h), not soon (see fedmark keys --help)'],
      [['token'], 'token needs --party ID or --api-key NAME (see fedmark token --help)'],
      [['models', 'show', 'm'], 'models show needs NAME VERSION: the version is missing (see fedmark models --help)'],
      [['seeds', 'upload', '--party', 'bank'], 'seeds upload needs --name (see fedmark seeds --help)'],
      [['party', 'audit'], 'party audit needs --config FILE or --work-dir DIR (see fedmark party --help)'],
      [['party', 'identity'], 'party identity needs --config FILE (see fedmark party --help)'],
      [['seeds', 'upload', '--party', 'bank', '--name', 'n', '--file', 'f.csv'], 'seeds upload needs --fingerprint (see fedmark seeds --help)'],
      [['party', '--coordinator', 'ws://127.0.0.1:9', '--id', 'bank'], 'FM_ERR_CFG_INVALID: configuration flags: token: missing: set FEDMARK_PARTY_TOKEN on this host (preferred) or token in the config file (fedmark token --party ID makes one on the coordinator host)'],
    ];
    const runs = await Promise.all(cases.map(([args]) => fedmark(args, { FEDMARK_KEY: 'fmk_unused', FEDMARK_URL: 'http://127.0.0.1:9' })));
    for (const [k, [args, line]] of cases.entries()) {
      const { code, stdout, stderr } = runs[k] as { code: number; stdout: string; stderr: string };
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toBe(`fedmark: ${line}\n`);
      expect(stdout, args.join(' ')).toBe('');
    }
  });

  it('simulate --json ends with one JSON line carrying status, job, durationMs and the intersection size', async () => {
    const dir = await tempDir('cli');
    const { code, stdout } = await fedmark(['simulate', EXAMPLE, '--json', '--run-dir', join(dir, 'run')]);
    expect(code).toBe(0);
    const last = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(last).toMatchObject({ status: 'succeeded', kind: 'psi', psi: { intersectionSize: 569 } });
    expect(last.job).toMatch(/^job-/);
    expect(last.durationMs).toBeGreaterThan(0);
  });

  it('names the job file and field of a bad job', async () => {
    const dir = await tempDir('cli-bad');
    const file = join(dir, 'job.yaml');
    await writeFile(file, toYaml({ name: 'x', kind: 'psi', parties: [{ id: 'a', role: 'guest', data: { path: 'a.csv', idColumn: 'id' } }, { id: 'b', role: 'hots', data: { path: 'b.csv', idColumn: 'id' } }] }));
    const { code, stderr } = await fedmark(['simulate', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('FM_ERR_JOB_INVALID');
    expect(stderr).toContain(file);
    expect(stderr).toContain('parties.1.role');
  });

  // About twenty CLI and server processes start one after another here: on a loaded 2-core machine
  // that alone takes close to the suite's default two minutes.
  it('runs a job submitted to a running coordinator by separate party processes', async () => {
    const dir = await tempDir('deploy');
    const tokens: Record<string, string> = {};
    const parties: Array<{ id: string; tokenSha256: string }> = [];
    for (const id of ['guest', 'host']) {
      const { stdout } = await fedmark(['token', '--party', id]);
      const [token] = stdout.match(/fmp_[A-Za-z0-9_-]+/) ?? [];
      const [hash] = stdout.match(/[0-9a-f]{64}/) ?? [];
      tokens[id] = token as string;
      parties.push({ id, tokenSha256: hash as string });
    }
    const keyOut = (await fedmark(['token', '--api-key', 'alice', '--role', 'scientist'])).stdout;
    const apiKey = (keyOut.match(/fmk_[A-Za-z0-9_-]+/) ?? [])[0] as string;
    const keySha256 = (keyOut.match(/[0-9a-f]{64}/) ?? [])[0] as string;
    const adminOut = (await fedmark(['token', '--api-key', 'root', '--role', 'admin'])).stdout;
    const adminKey = (adminOut.match(/fmk_[A-Za-z0-9_-]+/) ?? [])[0] as string;
    const adminSha256 = (adminOut.match(/[0-9a-f]{64}/) ?? [])[0] as string;
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    await writeFile(join(dir, 'coordinator.yaml'), toYaml({ port, store: join(dir, 'c.db'), parties, apiKeys: [{ id: 'alice', role: 'scientist', keySha256 }, { id: 'root', role: 'admin', keySha256: adminSha256 }] }));
    const coordinator = background(['coordinator', '--config', join(dir, 'coordinator.yaml')]);
    await waitFor(() => coordinator.output().includes('coordinator listening'), 'coordinator');
    // Each operator prints its party's fingerprint; the other pins it (out of band, in real life).
    const partyYaml = (id: string, knownPartners: Record<string, string>) =>
      toYaml({ id, coordinator: `ws://127.0.0.1:${port}`, dataRoots: [FATE_DIR], workDir: join(dir, id), threads: 1, knownPartners });
    const fingerprints: Record<string, string> = {};
    for (const id of ['guest', 'host']) {
      await writeFile(join(dir, `${id}.yaml`), partyYaml(id, {}));
      const printed = await fedmark(['party', 'identity', '--config', join(dir, `${id}.yaml`), '--json']);
      expect(printed.code).toBe(0);
      fingerprints[id] = (JSON.parse(printed.stdout) as { fingerprint: string }).fingerprint;
    }
    for (const [id, other] of [['guest', 'host'], ['host', 'guest']] as const) {
      await writeFile(join(dir, `${id}.yaml`), partyYaml(id, { [other]: fingerprints[other] as string }));
      background(['party', '--config', join(dir, `${id}.yaml`)], { FEDMARK_PARTY_TOKEN: tokens[id] as string });
    }
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => {
      const res = await fetch(`${base}/v1/parties`, { headers: { authorization: `Bearer ${apiKey}` } });
      const list = (await res.json()) as Array<{ online: boolean }>;
      return list.length === 2 && list.every((p) => p.online);
    }, 'parties online');

    const denied = await fedmark(['job', 'show', 'job-1', '--coordinator', base], { FEDMARK_API_KEY: 'fmk_wrong' });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('FM_ERR_AUTH_KEY');

    const submitted = await fedmark(['job', 'submit', EXAMPLE, '--wait', '--json', '--coordinator', base], { FEDMARK_API_KEY: apiKey });
    expect(submitted.stderr).toBe('');
    const view = JSON.parse(submitted.stdout.trim());
    expect(view).toMatchObject({ state: 'succeeded', result: { psi: { intersectionSize: 569 } } });

    const vertical = await fedmark(['job', 'submit', fileURLToPath(new URL('../examples/breast-vertical.yaml', import.meta.url)), '--wait', '--json', '--coordinator', base], { FEDMARK_API_KEY: apiKey });
    expect(vertical.stderr).toMatch(/epoch 1\/5: evaluation loss [\d.]+ \(/);
    expect(vertical.stderr).toMatch(/epoch 5\/5: evaluation loss [\d.]+, AUC [\d.]+/);
    const trained = JSON.parse(vertical.stdout.trim());
    expect(trained).toMatchObject({ state: 'succeeded', result: { model: { name: 'breast-propensity', version: 1 } } });
    expect(trained.result.metrics.auc).toBeGreaterThan(0.98);

    const env = { FEDMARK_API_KEY: apiKey };
    const published = await fedmark(['models', 'publish', 'breast-propensity', '1', '--coordinator', base], env);
    expect(published.stdout).toMatch(/breast-propensity v1 +published +AUC 0\.9\d{3}/);
    const shown = await fedmark(['models', 'show', 'breast-propensity', '1', '--coordinator', base], env);
    expect(shown.stderr).toBe('');
    expect(shown.stdout).toMatch(/guest: 11 features/);
    expect(shown.stdout).toMatch(/decile +count +positives/);
    const created = await fedmark(['keys', 'create', '--role', 'scorer', '--name', 'crm', '--coordinator', base], { FEDMARK_API_KEY: adminKey });
    const scorerKey = (created.stdout.match(/fmk_[A-Za-z0-9_-]+/) ?? [])[0] as string;
    expect(created.stdout).toContain('crm (scorer, 600/min)');
    const notAdmin = await fedmark(['keys', 'create', '--role', 'admin', '--coordinator', base], env);
    expect(notAdmin.stderr).toContain('FM_ERR_AUTH_ROLE');
    expect((await fedmark(['models', 'list', '--coordinator', base], { FEDMARK_API_KEY: scorerKey })).stderr).toContain('FM_ERR_AUTH_ROLE');
    await writeFile(join(dir, 'ids.csv'), 'segment;"ID"\na;"133"\nb;nobody\n');
    const scored = await fedmark(['score', '--model', 'breast-propensity', '--file', join(dir, 'ids.csv'), '--coordinator', base], { FEDMARK_API_KEY: scorerKey });
    expect(scored.stdout).toMatch(/^133 +0\.\d{4} +\d+ +ok$/m);
    expect(scored.stdout).toMatch(/^nobody +- +- +unscorable$/m);
    const batch = await fedmark(['score', '--model', 'breast-propensity', '--file', join(dir, 'ids.csv'), '--out', join(dir, 'scores.csv'), '--coordinator', base], { FEDMARK_API_KEY: scorerKey });
    expect(batch.stderr).toContain('2 IDs scored into');
    const written = (await readFile(join(dir, 'scores.csv'), 'utf8')).trim().split('\n');
    expect(written[0]).toBe('id,score,decile,status');
    expect(written[2]).toBe('nobody,,,unscorable');
    // NDJSON: the file holds the results only; progress goes to stderr.
    const ndjson = await fedmark(['score', '--model', 'breast-propensity', '--file', join(dir, 'ids.csv'), '--out', join(dir, 'scores.ndjson'), '--coordinator', base], { FEDMARK_API_KEY: scorerKey });
    expect(ndjson.code).toBe(0);
    expect(ndjson.stderr).toContain('2 of 2 IDs scored');
    expect((await readFile(join(dir, 'scores.ndjson'), 'utf8')).trim().split('\n').map((l) => Object.keys(JSON.parse(l)))).toEqual([['id', 'score', 'decile', 'status'], ['id', 'score', 'decile', 'status']]);
    // An error after the first chunk of 10,000 (here the per-ID limit, by asking for one customer 25
    // more times) ends the stream: the command says so and exits 1, and the file holds no error line.
    await writeFile(join(dir, 'many.csv'), ['id', ...Array.from({ length: 10_000 }, (_, i) => `n${i}`), ...Array.from({ length: 25 }, () => '133')].join('\n'));
    const stopped = await fedmark(['score', '--model', 'breast-propensity', '--file', join(dir, 'many.csv'), '--out', join(dir, 'many-scores.csv'), '--coordinator', base], { FEDMARK_API_KEY: scorerKey });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/FM_ERR_SCORE_ID_RATE: ids\[100\d\d\] was asked 20 times/);
    const partial = (await readFile(join(dir, 'many-scores.csv'), 'utf8')).trim().split('\n');
    expect(partial).toHaveLength(10_001);
    expect(partial.some((l) => l.startsWith('#'))).toBe(false);
    const listed = JSON.parse((await fedmark(['models', 'list', '--json', '--coordinator', base], env)).stdout);
    expect(listed).toMatchObject([{ name: 'breast-propensity', version: 1, status: 'published' }]);

    // Key lifecycle from the command line: an expiring key, then the scorer's key revoked at once.
    const admin = { FEDMARK_API_KEY: adminKey };
    const expiring = await fedmark(['keys', 'create', '--role', 'scientist', '--name', 'temp', '--expires', '30d', '--coordinator', base], admin);
    expect(expiring.stdout).toMatch(/API key temp \(scientist, 600\/min, expires 20\d\d-\d\d-\d\dT[\d:.]+Z\)/);
    const revoked = await fedmark(['keys', 'revoke', 'crm', '--coordinator', base], admin);
    expect(revoked.stdout).toMatch(/^API key crm revoked at 20\d\d-.*: it is refused from now on$/m);
    expect((await fedmark(['keys', 'list', '--coordinator', base], admin)).stdout).toMatch(/^crm +scorer +600\/min {2}\(api\) {2}revoked 20\d\d-/m);
    const refused = await fedmark(['score', '--model', 'breast-propensity', '--ids', '133', '--coordinator', base], { FEDMARK_API_KEY: scorerKey });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('FM_ERR_AUTH_KEY_REVOKED: API key crm was revoked at');

    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/jobs', '/v1/jobs/{id}', '/v1/parties', '/v1/models/{name}/score']));
    const docs = await fetch(`${base}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  }, 300_000);
});
