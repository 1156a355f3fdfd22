// A marketing engineer's path to scores: generate a TypeScript client (@hey-api/openapi-ts) from the
// document a running coordinator serves, write a caller against it, type-check the caller, and score
// customers through it against a real coordinator and real party processes. Its scores are those
// that `fedmark score` and a plain fetch get. The client is generated inside the test, into a temp
// folder, from the document served now: nothing generated is committed that could drift from it.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient as generateClient } from '@hey-api/openapi-ts';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { simulate } from '../coordinator/simulate.ts';
import { fate, readText } from '../data/sets.ts';
import { tempDir } from './fixtures.ts';

const CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));

interface Scored { id: string; score: number | null; decile: number | null; status: string }

// What the engineer writes against the generated SDK. The @ts-expect-error lines are misuses the
// generated types must reject: if the client were untyped, they would be unused and fail the check.
const CALLER = `import { createClient } from './client/index.js';
import { publishModelVersion, scoreModel } from './sdk.gen.js';
import type { ApiError, ScoreResult } from './types.gen.js';

export async function publish(baseUrl: string, key: string, name: string, version: number): Promise<string> {
  const { data } = await publishModelVersion({ client: createClient({ baseUrl, auth: key }), path: { name, version }, throwOnError: true });
  return data.status;
}

export async function score(baseUrl: string, key: string, name: string, ids: string[]): Promise<ScoreResult[]> {
  const { data } = await scoreModel({ client: createClient({ baseUrl, auth: key }), path: { name }, body: { ids }, throwOnError: true });
  return data.results;
}

export async function scoreWithoutKey(baseUrl: string, name: string): Promise<{ status: number; error: ApiError | undefined }> {
  const { response, error } = await scoreModel({ client: createClient({ baseUrl }), path: { name }, body: { ids: ['1'] } });
  return { status: response.status, error };
}

export function misuses(baseUrl: string): void {
  const client = createClient({ baseUrl });
  // @ts-expect-error customer IDs are strings
  void scoreModel({ client, path: { name: 'm' }, body: { ids: [1] } });
  // @ts-expect-error the model name is a path parameter
  void scoreModel({ client, body: { ids: ['1'] } });
  // @ts-expect-error a score request has no such field
  void scoreModel({ client, path: { name: 'm' }, body: { ids: ['1'], threshold: 0.5 } });
}
`;

interface Caller {
  publish(baseUrl: string, key: string, name: string, version: number): Promise<string>;
  score(baseUrl: string, key: string, name: string, ids: string[]): Promise<Scored[]>;
  scoreWithoutKey(baseUrl: string, name: string): Promise<{ status: number; error: { code: string; message: string } | undefined }>;
}

/** Diagnostics of a strict type-check of `file` and what it imports. */
function typeErrors(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

function fedmarkScore(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'score', ...args], { env: { ...process.env, FEDMARK_KEY: '', FEDMARK_URL: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('a client generated from the served OpenAPI document', () => {
  it('type-checks against the document and scores customers as fedmark score and a plain fetch do', async () => {
    const runDir = await tempDir('openapi-client-run');
    const clientDir = await tempDir('openapi-client');
    const guestCsv = fate('default_credit_hetero_guest');
    const ids = [...(await readText(guestCsv)).trim().split(/\r?\n/).slice(1, 301).map((line) => line.split(',')[0] as string), 'no-such-customer'];
    const spec: JobSpec = {
      name: 'client-propensity', kind: 'vertical', model: 'logistic',
      training: { epochs: 2, batchSize: 65_536, learningRate: 1, l2: 0.001, seed: 7 },
      parties: [
        { id: 'bank', role: 'guest', data: { path: guestCsv, idColumn: 'id', labelColumn: 'y' } },
        { id: 'insurer', role: 'host', data: { path: fate('default_credit_hetero_host'), idColumn: 'id' } },
      ],
    };
    let seen: {
      typeErrors: string[]; published: string; anonymous: Awaited<ReturnType<Caller['scoreWithoutKey']>>;
      client: Scored[]; fetched: Scored[]; cli: { code: number; stdout: string; stderr: string };
    } | undefined;

    const result = await simulate(spec, {
      runDir, logLevel: 'warn', threads: 1,
      async afterJob({ url, adminKey, scorerKey, result: run }) {
        await generateClient({ input: `${url}/openapi.json`, output: clientDir, plugins: ['@hey-api/client-fetch', '@hey-api/sdk', '@hey-api/typescript'], logs: { level: 'silent' } });
        const callerFile = join(clientDir, 'caller.ts');
        await writeFile(callerFile, CALLER);
        const errors = typeErrors(callerFile);
        const caller = (await import(pathToFileURL(callerFile).href)) as Caller;
        const version = run.model?.version ?? 0;
        const published = await caller.publish(url, adminKey, spec.name, version);
        const client = await caller.score(url, scorerKey, spec.name, ids);
        const anonymous = await caller.scoreWithoutKey(url, spec.name);
        const res = await fetch(`${url}/v1/models/${spec.name}/score`, {
          method: 'POST', headers: { authorization: `Bearer ${scorerKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ ids }),
        });
        const fetched = ((await res.json()) as { results: Scored[] }).results;
        const cli = await fedmarkScore(['--url', url, '--key', scorerKey, '--model', spec.name, '--ids', ids.join(','), '--json']);
        seen = { typeErrors: errors, published, anonymous, client, fetched, cli };
      },
    });

    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    if (!seen) throw new Error('the steps after the job did not run');
    expect(seen.typeErrors).toEqual([]);
    expect(seen.published).toBe('published');
    expect(seen.anonymous).toEqual({ status: 401, error: { code: 'FM_ERR_AUTH_KEY', message: expect.any(String) } });
    expect(seen.client).toHaveLength(ids.length);
    expect(seen.client.filter((r) => r.status === 'ok')).toHaveLength(ids.length - 1);
    expect(seen.client.at(-1)).toEqual({ id: 'no-such-customer', score: null, decile: null, status: 'unscorable' });
    expect(seen.client).toEqual(seen.fetched);
    expect(seen.cli.code, seen.cli.stderr).toBe(0);
    expect((JSON.parse(seen.cli.stdout) as { results: Scored[] }).results).toEqual(seen.client);
  }, 120_000);
});
