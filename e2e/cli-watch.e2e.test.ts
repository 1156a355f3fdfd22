// The operator's CLI against a running coordinator: `job submit --watch` shows the progress and a
// summary (plain lines in a pipe, a progress bar on a terminal), jobs/parties listings with --json,
// cancel, and the URL and key from flags, environment or the config file.
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { JobView } from '../protocol/messages/jobSpec.ts';
import { breastVertical, startDeployment, type Deployment } from './deployment.fixture.ts';

const CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));

function fedmark(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // No inherited FEDMARK_* settings and no user config file: each case says where URL and key come from.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FEDMARK_')));
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], { env: { ...clean, XDG_CONFIG_HOME: d.dir, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let d: Deployment;
let env: Record<string, string>;
beforeAll(async () => {
  d = await startDeployment('cli-watch', ['guest', 'host']);
  env = { FEDMARK_URL: d.url, FEDMARK_KEY: d.keys.scientist };
});
afterAll(async () => d?.close());

describe('fedmark CLI against a running coordinator', () => {
  it('job submit --watch prints each epoch as it is reported, then a summary with the model', async () => {
    const file = join(d.dir, 'job.yaml');
    await writeFile(file, toYaml(breastVertical('watched', 6)));
    const watched = await fedmark(['job', 'submit', file, '--watch'], env);
    expect(watched.code, watched.stderr).toBe(0);
    // Not a terminal: one plain line per epoch, in order, without control characters.
    // The AUC comes with the last epoch only: the guest sees per-row scores of the kept model alone.
    const epochs = [...watched.stderr.matchAll(/^ {2}epoch (\d+)\/6: evaluation loss (0\.\d{4})(?:, AUC (0\.\d{4}))? \([\d.]+ s\)$/gm)];
    expect(epochs.map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(epochs.map((m) => m[3] !== undefined)).toEqual([false, false, false, false, false, true]);
    expect(watched.stderr).not.toContain('\x1b');
    expect(watched.stderr).toMatch(/^ {2}guest ready: 569 rows, 569 with consent, \d+ features$/m);
    expect(watched.stderr).toMatch(/^ {2}PSI: 569 customers shared by every party$/m);
    // The summary on stdout agrees with the job as the API reports it.
    const id = (watched.stdout.match(/^submitted (job-[\w-]+)/m) ?? [])[1] as string;
    const view = (await d.api<JobView>('GET', `/v1/jobs/${id}`)).body;
    expect(view.state).toBe('succeeded');
    const auc = (view.result?.metrics?.auc as number).toFixed(4);
    expect(watched.stdout).toContain(`job watched (vertical) succeeded in`);
    expect(watched.stdout).toContain(`intersection: 569 customers shared by all parties`);
    expect(watched.stdout).toContain(`model watched v1: AUC ${auc}`);
    expect(watched.stdout).toMatch(/guest alone: AUC 0\.\d{4} — the partners add [+-]0\.\d{4} AUC/);
    expect(watched.stdout).toContain(`dashboard: ${d.url}/ui/#/jobs/${id}`);
    // The last epoch line carries the final evaluation AUC the guest reported.
    const history = (await d.api<{ card: { history: Array<{ evalAuc?: number }> } }>('GET', '/v1/models/watched/versions/1')).body.card.history;
    expect(epochs.at(-1)?.[3]).toBe((history.at(-1)?.evalAuc as number).toFixed(4));

    const [tty, listedJson, listedTable, partiesJson, datasets, late] = await Promise.all([
      // On a terminal (script gives the CLI a pseudo-terminal): a progress bar redrawn in place.
      new Promise<string>((resolve) => {
        const child = spawn('script', ['-qec', `${process.execPath} --disable-warning=ExperimentalWarning ${CLI} jobs show ${id} --watch`, '/dev/null'], { env: { ...process.env, ...env } });
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        child.on('close', () => resolve(out));
      }),
      fedmark(['jobs', 'list', '--json'], env),
      fedmark(['jobs', 'list'], env),
      fedmark(['parties', 'list', '--json'], env),
      fedmark(['parties', 'datasets'], env),
      fedmark(['jobs', 'cancel', id], env),
    ]);
    expect(tty).toContain('\r\x1b[2K');
    expect(tty).toMatch(/█{10,}\s+6\/6 epochs {2}AUC 0\.\d{4} {2}loss 0\.\d{4} {2}[\d.]+ s\/epoch\r?\n/);
    expect(tty).toContain(`job watched (vertical) succeeded`);

    // --json on the listings; the job is there with its intersection.
    expect((JSON.parse(listedJson.stdout) as JobView[]).find((j) => j.id === id)).toMatchObject({ state: 'succeeded', result: { psi: { intersectionSize: 569 } } });
    expect(listedTable.stdout).toMatch(new RegExp(`^${id} +watched +vertical +succeeded +569 +${auc}`, 'm'));
    const parties = JSON.parse(partiesJson.stdout) as Array<{ id: string; online: boolean }>;
    expect(parties.map((p) => [p.id, p.online])).toEqual([['guest', true], ['host', true]]);
    expect(datasets.stdout).toMatch(/^guest +\S+breast_hetero_guest\.csv\.gz +569 +569/m);

    // An ended job cannot be cancelled; the message says why.
    expect(late.code).toBe(1);
    expect(late.stderr).toContain(`FM_ERR_JOB_STATE: job ${id} is succeeded and cannot be cancelled`);
  });

  it('takes the URL and key from flags, environment or a config file, and says what is wrong', async () => {
    const good = join(d.dir, 'cli.yaml');
    const exposed = join(d.dir, 'exposed.yaml');
    const invalid = join(d.dir, 'invalid.yaml');
    const xdg = join(d.dir, 'xdg');
    await mkdir(join(xdg, 'fedmark'), { recursive: true });
    for (const [file, content, mode] of [[good, { url: d.url, key: d.keys.scientist }, 0o600], [exposed, { url: d.url, key: d.keys.scientist }, 0o644], [invalid, { url: d.url, token: 'x' }, 0o600], [join(xdg, 'fedmark', 'cli.yaml'), { url: d.url, key: d.keys.scientist }, 0o600]] as const) {
      await writeFile(file, toYaml(content));
      await chmod(file, mode);
    }
    const [viaDefault, wrong, leaky, bad, unreachable, noKey, badFlag] = await Promise.all([
      fedmark(['parties', 'list'], { XDG_CONFIG_HOME: xdg }),
      fedmark(['jobs', 'list', '--config', good], { FEDMARK_KEY: 'fmk_wrong' }),
      fedmark(['jobs', 'list', '--config', exposed]),
      fedmark(['jobs', 'list', '--config', invalid]),
      fedmark(['jobs', 'list', '--url', 'http://127.0.0.1:9', '--key', 'fmk_x']),
      fedmark(['jobs', 'list', '--url', d.url]),
      fedmark(['jobs', 'list', '--frobnicate'], env),
    ]);
    expect(viaDefault.stderr).toBe('');
    expect(viaDefault.stdout).toMatch(/^guest +online/m);
    // The environment wins over the file, and the error says where the refused key came from.
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('FM_ERR_AUTH_KEY: missing or wrong API key (key from FEDMARK_KEY)');
    expect(leaky.stderr).toContain(`${exposed} holds an API key and other users may read it; run chmod 600`);
    expect(leaky.code).toBe(0);
    expect(leaky.stdout).toMatch(/^job-[\w-]+ +watched +vertical +succeeded/m);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`FM_ERR_CFG_INVALID: configuration ${invalid}`);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach the coordinator at http://127.0.0.1:9 (from --url)');
    expect(noKey.stderr).toContain('no API key: pass --key KEY, set FEDMARK_KEY');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('(see fedmark jobs --help)');
  });
});
