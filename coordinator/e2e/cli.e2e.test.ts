// The `fedmark` command as a data team would use it: help on every command, simulate --json,
// and a real deployment: coordinator and party processes, tokens, `job submit --wait`.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { SHARED, tempDir } from './fixtures.ts';

const CLI = fileURLToPath(new URL('../../bin/fedmark.ts', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../examples/breast-psi.yaml', import.meta.url));
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
    for (const command of ['coordinator', 'party', 'simulate', 'demo', 'job', 'jobs', 'parties', 'models', 'score', 'keys', 'token']) {
      const { code, stdout } = await fedmark([command, '--help']);
      expect(code, command).toBe(0);
      expect(stdout).toContain(`usage: fedmark ${command}`);
    }
    const unknown = await fedmark(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
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
    for (const id of ['guest', 'host']) {
      await writeFile(join(dir, `${id}.yaml`), toYaml({ id, coordinator: `ws://127.0.0.1:${port}`, dataRoots: [join(SHARED, 'fate')], workDir: join(dir, id), threads: 1 }));
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

    const vertical = await fedmark(['job', 'submit', fileURLToPath(new URL('../../examples/breast-vertical.yaml', import.meta.url)), '--wait', '--json', '--coordinator', base], { FEDMARK_API_KEY: apiKey });
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
    await writeFile(join(dir, 'ids.csv'), 'id,segment\n133,a\nnobody,b\n');
    const scored = await fedmark(['score', '--model', 'breast-propensity', '--file', join(dir, 'ids.csv'), '--coordinator', base], { FEDMARK_API_KEY: scorerKey });
    expect(scored.stdout).toMatch(/^133 +0\.\d{4} +\d+ +ok$/m);
    expect(scored.stdout).toMatch(/^nobody +- +- +unknown$/m);
    const batch = await fedmark(['score', '--model', 'breast-propensity', '--file', join(dir, 'ids.csv'), '--out', join(dir, 'scores.csv'), '--coordinator', base], { FEDMARK_API_KEY: scorerKey });
    expect(batch.stderr).toContain('2 IDs scored into');
    const written = (await readFile(join(dir, 'scores.csv'), 'utf8')).trim().split('\n');
    expect(written[0]).toBe('id,score,decile,status');
    expect(written[2]).toBe('nobody,,,unknown');
    const listed = JSON.parse((await fedmark(['models', 'list', '--json', '--coordinator', base], env)).stdout);
    expect(listed).toMatchObject([{ name: 'breast-propensity', version: 1, status: 'published' }]);

    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/jobs', '/v1/jobs/{id}', '/v1/parties', '/v1/models/{name}/score']));
    const docs = await fetch(`${base}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });
});
