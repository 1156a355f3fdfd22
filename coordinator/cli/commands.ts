// The coordinator-side commands of the `fedmark` CLI: coordinator, token, simulate, demo, models, score, keys
// (jobs: jobs.ts, parties: parties.ts).
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { hashSecret, newSecret } from '../../protocol/auth/tokens.ts';
import { loadConfigFile, resolveConfigPaths } from '../../protocol/config.ts';
import { coordinatorConfig } from '../config.ts';
import { startCoordinator } from '../server.ts';
import { readJobFile } from '../jobs/jobFile.ts';
import { simulate, type SimulationResult } from '../simulate.ts';
import { fail, printProgress, printSimulation } from './output.ts';
import { ApiClient, CONNECTION_HELP, CONNECTION_OPTIONS, type ConnectionFlags } from './client.ts';
import { lookalikeCard } from './lookalikeCard.ts';
import { monitoringReport, type MonitoringReport } from './monitorReport.ts';
import { classifyBatchLine, idsFromCsv } from './scoreFiles.ts';
import { describeCampaignDemo, describeLookalikeDemo, runLookalikeDemo } from '../demo/lookalikeDemo.ts';
import type { LookalikeReport } from '../../protocol/messages/lookalike.ts';
import type { ModelApproval } from '../../protocol/messages/jobSpec.ts';
import { usageError } from '../../protocol/usage.ts';

export const DEMO_JOB = fileURLToPath(new URL('../../examples/default-credit-vertical.yaml', import.meta.url));

export const HELP = {
  coordinator: `usage: fedmark coordinator [--config FILE] [--host HOST] [--port N] [--store PATH]

Runs the coordinator: the HTTP API (OpenAPI at /openapi.json) and the party link endpoint
(ws://HOST:PORT/v1/link) on one port; with tls in FILE, HTTPS and wss://. FILE is YAML (see
docs/operators.md, "Coordinator config" and "Deployment").`,
  token: `usage: fedmark token --party ID
       fedmark token --api-key NAME [--role admin|scientist]

Creates a secret and prints it once, with the line to add to the coordinator config
(which stores only its SHA-256).`,
  simulate: `usage: fedmark simulate JOB.yaml [--json] [--dashboard] [--log-level LEVEL] [--run-dir DIR] [--threads N]

Starts a coordinator and one party-node process per party on loopback and runs the job over
real sockets. Prints a summary, or with --json one final JSON line (see docs/data-scientists.md,
"--json output"). --dashboard prints the web dashboard's address and this run's admin key when
the job starts, and keeps the coordinator up after the job until Ctrl-C.`,
  demo: `usage: fedmark demo [--json] [--dashboard]

Runs the demo job (examples/default-credit-vertical.yaml): a bank and an insurer match their
customers by PSI and train one default-propensity model on the UCI default-of-credit-card data
without pooling it; prints the joint and the bank-only AUC and what to try next. Then a lookalike
step (examples/bank-marketing-lookalike.yaml, data split into .fedmark/demo-data/): half of the
bank-marketing subscribers as seeds, an audience of the top 20% written at the bank, and the share
of the other subscribers it finds against random; it ends with a short simulated campaign on that
model (a control group and a guest-alone arm) and its report. --dashboard: follow it in the web
dashboard (as for fedmark simulate).`,
  score: `usage: fedmark score --model NAME [--version N] [--member ID] (--ids a,b,c | --file ids.csv [--id-column NAME]) [--json]
       fedmark score --model NAME [--member ID] --file ids.csv --out scores.csv [--format csv|ndjson]

Scores customers by ID with a published model (or version N) of a running coordinator: up to
10,000 per call online; with --out, any number (up to 1,000,000) by batch scoring, streamed to
the file (progress on stderr; exit 1 if the coordinator stops mid-stream). --file: a CSV whose
first line is a header (quoted IDs and , ; tab | delimiters work); the IDs are its column named
id, or --id-column NAME, or its only column. A horizontal model
needs --member: the member whose customers these are (only it receives the IDs). A scorer key is
enough.

${CONNECTION_HELP}`,
  keys: `usage: fedmark keys create --role admin|approver|scientist|scorer [--name NAME] [--rate PER_MINUTE] [--expires WHEN] [--json]
       fedmark keys list [--json]
       fedmark keys revoke NAME [--json]

API keys of a running coordinator, managed by an admin key. A new key is printed once; the
coordinator stores only its SHA-256. A scorer key can only score. --expires: a date (2027-01-31,
midnight UTC), a time (2027-01-31T18:00:00Z) or a duration from now (90d, 12h); after it the key
is refused (401 FM_ERR_AUTH_KEY_EXPIRED). revoke: the key (from the config file or created here)
is refused from now on (401 FM_ERR_AUTH_KEY_REVOKED); a revoked name stays revoked.

${CONNECTION_HELP}`,
  models: `usage: fedmark models [list [NAME]] [--json]
       fedmark models show NAME VERSION [--json]
       fedmark models publish NAME VERSION
       fedmark models approve NAME VERSION [--note TEXT]
       fedmark models retire NAME VERSION
       fedmark models monitor NAME [VERSION] [--days N] [--json]

The model registry of a running coordinator: versions start as candidates when their training
job succeeds; publish and retire them here. approve (an approver key, not the person who
submitted the training job) publishes a candidate with four eyes: the card records who trained
it, who approved it, when, and the figures shown; on a coordinator with fourEyesPublish it is the
only way to publish. monitor: the served scores of a version (default: the
newest published one) per UTC day over the last N days (default 30): how many, their population
stability index against the evaluation deciles, and the share of each decile.

${CONNECTION_HELP}`,
} as const;

export async function coordinatorCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, store: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return void console.log(HELP.coordinator);
  const raw = (values.config ? await loadConfigFile(values.config) : {}) as Record<string, unknown>;
  if (values.config) resolveConfigPaths(raw, ['store', 'tls.cert', 'tls.key'], dirname(resolve(values.config)));
  if (values.host) raw.host = values.host;
  if (values.port) raw.port = Number(values.port);
  if (values.store) raw.store = values.store;
  const config = coordinatorConfig(raw, values.config ?? 'flags');
  const coordinator = await startCoordinator(config);
  const stop = () => void coordinator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function tokenCommand(argv: string[]): void {
  const { values } = parseArgs({ args: argv, options: { party: { type: 'string' }, 'api-key': { type: 'string' }, role: { type: 'string', default: 'scientist' }, help: { type: 'boolean' } } });
  if (values.help) return void console.log(HELP.token);
  if (!values.party && !values['api-key']) usageError('token needs --party ID or --api-key NAME');
  if (values.party) {
    const token = newSecret('fmp');
    console.log(`party token (give it to ${values.party}'s operator; set FEDMARK_PARTY_TOKEN there):\n  ${token}`);
    console.log(`coordinator config, under parties:\n  - { id: ${values.party}, tokenSha256: ${hashSecret(token)} }`);
    return;
  }
  if (values.role !== 'admin' && values.role !== 'scientist') fail(`--role must be admin or scientist, not ${values.role}`);
  const key = newSecret('fmk');
  console.log(`API key (shown once; set FEDMARK_API_KEY):\n  ${key}`);
  console.log(`coordinator config, under apiKeys:\n  - { id: ${values['api-key']}, role: ${values.role}, keySha256: ${hashSecret(key)} }`);
}

export async function simulateCommand(argv: string[], demo = false): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { json: { type: 'boolean' }, dashboard: { type: 'boolean' }, 'log-level': { type: 'string' }, 'run-dir': { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return void console.log(demo ? HELP.demo : HELP.simulate);
  const file = demo ? DEMO_JOB : positionals[0];
  if (!file) usageError('simulate needs a job file: fedmark simulate JOB.yaml');
  const spec = await readJobFile(file);
  if (demo && !values.json) {
    console.log(`fedmark demo: ${spec.parties.map((p) => `${p.id} (${p.role})`).join(' and ')} find the customers they share and train`);
    console.log('one propensity model on them, without either seeing the other\'s customers, features or labels.');
    console.log('Starting a coordinator and one process per party...\n');
  }
  let scoring = '';
  const result = await simulate(spec, {
    ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
    ...(values['run-dir'] ? { runDir: values['run-dir'] } : {}),
    ...(values.threads ? { threads: Number(values.threads) } : {}),
    onProgress: printProgress,
    ...(values.dashboard ? { whileRunning: async (ctx) => void process.stderr.write(dashboardHint(ctx)) } : {}),
    afterJob: async (ctx) => {
      if (demo && !values.json) scoring = await demoScoring(ctx);
      if (values.dashboard) await untilInterrupted(`\nThe job has ended; the coordinator stays up for the dashboard at ${ctx.url}/ui/.\nPress Ctrl-C to stop it and print the summary.\n`);
    },
  });
  // The demo's second step, a lookalike audience; with --json its result joins the one final line.
  const lookalikeStep = () => runLookalikeStep(values.json === true, { ...(values['run-dir'] ? { runDir: `${values['run-dir']}-lookalike` } : {}), ...(values.threads ? { threads: Number(values.threads) } : {}) });
  let lookalike = demo && values.json && result.status === 'succeeded' ? await lookalikeStep() : undefined;
  printSimulation(lookalike ? { ...result, lookalike: { ...lookalike.result, hiddenSubscribers: lookalike.hidden, recut: lookalike.recut, campaign: lookalike.campaign } } as SimulationResult : result, values.json === true);
  if (scoring) console.log(scoring);
  if (demo && !values.json && result.status === 'succeeded') {
    console.log(`
What happened:
  1. PSI: each party hashed its IDs to curve points, blinded them with a secret key of its own and
     exchanged them end-to-end encrypted through the coordinator, which saw only sizes. Both now
     hold the same ${result.psi?.intersectionSize} customers in the same order.
  2. Training: per epoch the insurer sent Enc(u) of its partial scores, the bank formed Enc(d) with
     its labels, each party computed its encrypted gradient, masked it, and the coordinator (the
     arbiter, holding the BFV secret key) decrypted only masked values.
  3. Each party keeps its own weights and feature mapping; the coordinator keeps the model card.

Try next:
  npx fedmark simulate examples/default-credit-scorecard.yaml    # binned features: a federated scorecard
  npx fedmark simulate examples/default-credit-psi.yaml --json   # PSI only, as one JSON line
  npx fedmark simulate --help                                    # run your own job file
  npm run bench -- psi                                           # PSI speed against the hardware bound`);
  }
  if (demo && !values.json && result.status === 'succeeded') lookalike = await lookalikeStep();
  if (lookalike && !values.json) {
    console.log(`\nStep 2, lookalike: the bank gives ${lookalike.split.seedCount} customers who subscribed a term deposit (half of the`);
    console.log('subscribers in UCI bank-marketing) as seeds and asks which other customers look like them, using the partner\'s');
    console.log('contact and campaign history as well. Neither the seeds nor the audience leave the bank.\n');
    printSimulation(lookalike.result, false);
    console.log(describeLookalikeDemo(lookalike));
    console.log('  npx fedmark simulate examples/bank-marketing-lookalike.yaml    # run it again (the data is under .fedmark/demo-data/)');
    const campaign = describeCampaignDemo(lookalike);
    if (campaign) console.log(campaign);
  }
  if (result.status !== 'succeeded' || (lookalike && lookalike.result.status !== 'succeeded')) process.exitCode = 1;
}

async function runLookalikeStep(json: boolean, opts: { runDir?: string; threads?: number }) {
  if (!json) console.log('\nRunning the lookalike step (bank-marketing)...');
  return runLookalikeDemo({ ...opts, ...(json ? {} : { onProgress: printProgress }) });
}

/** Calls a running coordinator; a failed request ends the command with the API's code and message. */
function apiClient(values: ConnectionFlags) {
  const client = ApiClient.from(values);
  return async <T,>(method: string, path: string, body?: unknown): Promise<T> => (await client).call<T>(method, path, body);
}

interface ModelSummary { name: string; version: number; status: string; job: string; createdAt: string; metrics: Record<string, number> }

export async function modelsCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, days: { type: 'string' }, note: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [verb = 'list', name, version] = positionals;
  if (values.help) return void console.log(HELP.models);
  const call = apiClient(values);
  if (verb === 'monitor') return monitorCommand(call, name, version, values);
  const quality = (m: ModelSummary) => m.metrics.recallAt20 !== undefined
    ? `lookalike recall@20% ${m.metrics.recallAt20.toFixed(3)}  guest alone ${m.metrics.guestOnlyRecallAt20?.toFixed(3) ?? '?'}`
    : `AUC ${m.metrics.auc?.toFixed(4) ?? '?'}  guest alone ${m.metrics.guestOnlyAuc?.toFixed(4) ?? '?'}`;
  const line = (m: ModelSummary) => `${m.name} v${m.version}  ${m.status.padEnd(9)}  ${quality(m)}  ${m.createdAt}  ${m.job}`;
  if (verb === 'list') {
    const models = await call<ModelSummary[]>('GET', name ? `/v1/models/${encodeURIComponent(name)}` : '/v1/models');
    return void console.log(values.json ? JSON.stringify(models) : models.length ? models.map(line).join('\n') : 'no models yet');
  }
  if (!['show', 'publish', 'approve', 'retire'].includes(verb)) usageError(`unknown models command "${verb}" (list, show, publish, approve, retire or monitor)`);
  if (!name) usageError(`models ${verb} needs NAME VERSION: the model name is missing`);
  if (!version || !/^\d+$/.test(version)) usageError(`models ${verb} needs NAME VERSION: ${version === undefined ? 'the version is missing' : `the version must be a number, not ${version}`}`);
  const path = `/v1/models/${encodeURIComponent(name)}/versions/${version}`;
  if (verb === 'show') {
    const detail = await call<Omit<ModelSummary, 'metrics'> & { card: { metrics: Record<string, number>; featuresByParty: Record<string, string[]>; intersectionSize: number; lift: Array<Record<string, number>>; lookalike?: LookalikeReport; memberLookalike?: Record<string, LookalikeReport>; approval?: ModelApproval } }>('GET', path);
    if (values.json) return void console.log(JSON.stringify(detail));
    const model = { ...detail, metrics: detail.card.metrics };
    console.log(line(model));
    console.log(`  intersection ${model.card.intersectionSize}; metrics ${Object.entries(model.metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`).join(', ')}`);
    for (const [party, features] of Object.entries(model.card.featuresByParty)) console.log(`  ${party}: ${features.length} features`);
    const a = model.card.approval;
    console.log(a ? `  trained by ${a.trainedBy}; approved by ${a.approvedBy} at ${a.approvedAt}${a.note ? ` (${a.note})` : ''}` : '  not approved for live scoring (fedmark models approve, by an approver)');
    if (model.card.lookalike) console.log(lookalikeCard(model.card.lookalike));
    else if (model.card.memberLookalike) for (const [m, l] of Object.entries(model.card.memberLookalike)) console.log(`  ${m}:\n${lookalikeCard(l, { name: m, alone: 'local only' })}`);
    else if (model.card.lift.length) {
      console.log('  decile  count  positives  rate    lift  gain');
      for (const r of model.card.lift) console.log(`  ${String(r.group).padStart(6)}  ${String(r.count).padStart(5)}  ${String(r.positives).padStart(9)}  ${(r.rate ?? 0).toFixed(3)}  ${(r.lift ?? 0).toFixed(2)}  ${(r.cumulativeGain ?? 0).toFixed(3)}`);
    }
    return;
  }
  if (verb === 'approve') {
    const approved = await call<Omit<ModelSummary, 'metrics'> & { card: { metrics: Record<string, number>; approval: ModelApproval } }>('POST', `${path}/approve`, values.note ? { note: values.note } : {});
    if (values.json) return void console.log(JSON.stringify(approved));
    const a = approved.card.approval;
    return void console.log(`${line({ ...approved, metrics: approved.card.metrics })}\n  trained by ${a.trainedBy}; approved by ${a.approvedBy} at ${a.approvedAt} on ${Object.entries(a.figures).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`).join(', ')}`);
  }
  const model = await call<ModelSummary>('POST', `${path}/${verb}`);
  console.log(values.json ? JSON.stringify(model) : line(model));
}

/** `models monitor NAME [VERSION]`: without a version, the newest published one. */
async function monitorCommand(call: ReturnType<typeof apiClient>, name: string | undefined, version: string | undefined, values: { json?: boolean | undefined; days?: string | undefined }): Promise<void> {
  if (!name) usageError('models monitor needs NAME: the model name is missing');
  if (version !== undefined && !/^\d+$/.test(version)) usageError(`models monitor NAME [VERSION]: the version must be a number, not ${version}`);
  if (values.days !== undefined && !/^\d+$/.test(values.days)) usageError(`--days must be a number of days, not ${values.days}`);
  let chosen = version;
  if (chosen === undefined) {
    const published = (await call<ModelSummary[]>('GET', `/v1/models/${encodeURIComponent(name)}`)).find((m) => m.status === 'published');
    if (!published) fail(`model ${name} has no published version: name the version (fedmark models monitor ${name} VERSION)`);
    chosen = String(published.version);
  }
  const report = await call<MonitoringReport>('GET', `/v1/models/${encodeURIComponent(name)}/versions/${chosen}/monitoring${values.days ? `?days=${values.days}` : ''}`);
  console.log(values.json ? JSON.stringify(report) : monitoringReport(report));
}

export async function scoreCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...CONNECTION_OPTIONS, model: { type: 'string' }, version: { type: 'string' }, member: { type: 'string' }, ids: { type: 'string' }, file: { type: 'string' }, 'id-column': { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(HELP.score);
  if (!values.model) usageError('score needs --model NAME');
  if (!values.ids && !values.file) usageError('score needs the IDs: --ids a,b,c or --file ids.csv');
  const ids = values.ids ? values.ids.split(',').map((s) => s.trim()).filter(Boolean) : await readIdFile(values.file as string, values['id-column']);
  if (ids.length === 0) fail(`no IDs to score in ${values.file ?? '--ids'}`);
  if (values.out) return batchScore(values, ids);
  if (ids.length > 10_000) fail(`${ids.length} IDs: online scoring takes up to 10,000 per call; give --out FILE for batch scoring`);
  const path = values.version ? `/v1/models/${encodeURIComponent(values.model)}/versions/${values.version}/score` : `/v1/models/${encodeURIComponent(values.model)}/score`;
  const reply = await apiClient(values)<{ model: string; version: number; results: Array<{ id: string; score: number | null; decile: number | null; status: string }> }>('POST', path, { ids, ...(values.member ? { member: values.member } : {}) });
  if (values.json) return void console.log(JSON.stringify(reply));
  console.log(`${reply.model} v${reply.version}`);
  console.log('id                        score    decile  status');
  for (const r of reply.results) console.log(`${r.id.padEnd(24)}  ${r.score === null ? '      -' : r.score.toFixed(4).padStart(7)}  ${String(r.decile ?? '-').padStart(6)}  ${r.status}`);
}

/** Batch scoring: result lines go to the file as they arrive, progress to stderr; an error mid-stream exits 1. */
async function batchScore(values: ConnectionFlags & { model?: string | undefined; version?: string | undefined; member?: string | undefined; out?: string | undefined; format?: string | undefined }, ids: string[]): Promise<void> {
  const format = values.format ?? (values.out?.endsWith('.csv') ? 'csv' : 'ndjson');
  if (format !== 'csv' && format !== 'ndjson') fail(`--format must be csv or ndjson, not ${format}`);
  const api = await ApiClient.from(values);
  const res = await api.request('POST', `/v1/models/${encodeURIComponent(values.model as string)}/batch-score`, { ids, format, ...(values.version ? { version: Number(values.version) } : {}), ...(values.member ? { member: values.member } : {}) });
  if (!res.body) fail('the coordinator sent no scores', 1);
  const out = createWriteStream(values.out as string);
  let results = 0;
  let error: string | undefined;
  let rest = '';
  const decoder = new TextDecoder();
  const take = (line: string) => {
    if (line === '' || error !== undefined) return;
    const kind = classifyBatchLine(line, format);
    if (kind.error !== undefined) error = kind.error;
    else if (kind.progress) process.stderr.write(`\r  ${kind.progress.done} of ${kind.progress.total} IDs scored`);
    else {
      out.write(`${line}\n`);
      // CSV carries no progress lines: count rows here (the first line is the header).
      if (format === 'csv' && ++results > 1 && (results - 1) % 10_000 === 0) process.stderr.write(`\r  ${results - 1} IDs scored`);
    }
  };
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
    rest = lines.pop() as string;
    lines.forEach(take);
  }
  take(rest + decoder.decode());
  await new Promise<void>((done) => out.end(done));
  process.stderr.write('\n');
  if (error !== undefined) fail(`${error} (the scores before it are in ${values.out})`, 1);
  process.stderr.write(`  ${ids.length} IDs scored into ${values.out}\n`);
}

/** IDs from a CSV file whose first line is a header (see idsFromCsv). */
async function readIdFile(file: string, idColumn: string | undefined): Promise<string[]> {
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => fail(`cannot read ${file}: ${err.code ?? err.message}`));
  try {
    return idsFromCsv(bytes, basename(file), idColumn);
  } catch (err) {
    return fail((err as Error).message);
  }
}

export async function keysCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { ...CONNECTION_OPTIONS, role: { type: 'string' }, name: { type: 'string' }, rate: { type: 'string' }, expires: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [verb] = positionals;
  if (values.help) return void console.log(HELP.keys);
  if (!verb) usageError('keys needs a command: create, list or revoke');
  const call = apiClient(values);
  if (verb === 'list') {
    const keys = await call<Array<{ id: string; role: string; ratePerMinute: number; source: string; expiresAt?: string; revokedAt?: string }>>('GET', '/v1/keys');
    const state = (k: { expiresAt?: string; revokedAt?: string }) => (k.revokedAt ? `  revoked ${k.revokedAt}` : k.expiresAt ? `  expires ${k.expiresAt}` : '');
    return void console.log(values.json ? JSON.stringify(keys) : keys.map((k) => `${k.id.padEnd(20)} ${k.role.padEnd(9)} ${k.ratePerMinute}/min  (${k.source})${state(k)}`).join('\n'));
  }
  if (verb === 'revoke') {
    const id = positionals[1] ?? usageError('keys revoke needs the key\'s NAME');
    const revoked = await call<{ id: string; revokedAt: string }>('POST', `/v1/keys/${encodeURIComponent(id)}/revoke`);
    return void console.log(values.json ? JSON.stringify(revoked) : `API key ${revoked.id} revoked at ${revoked.revokedAt}: it is refused from now on`);
  }
  if (verb !== 'create') usageError(`unknown keys command "${verb}" (create, list or revoke)`);
  if (!values.role) usageError('keys create needs --role admin|approver|scientist|scorer');
  const name = values.name ?? `${values.role}-${Date.now().toString(36)}`;
  const expiresAt = values.expires === undefined ? undefined : expiryOf(values.expires);
  const created = await call<{ id: string; role: string; ratePerMinute: number; expiresAt?: string; key: string }>('POST', '/v1/keys', { id: name, role: values.role, ...(values.rate ? { ratePerMinute: Number(values.rate) } : {}), ...(expiresAt ? { expiresAt } : {}) });
  if (values.json) return void console.log(JSON.stringify(created));
  console.log(`API key ${created.id} (${created.role}, ${created.ratePerMinute}/min${created.expiresAt ? `, expires ${created.expiresAt}` : ''}), shown once — the coordinator keeps only its SHA-256:\n  ${created.key}`);
}

/** --expires: an ISO 8601 date or time, or a duration from now in days or hours (90d, 12h). */
export function expiryOf(text: string, now = Date.now()): string {
  const span = /^(\d+)([dh])$/.exec(text);
  if (span) return new Date(now + Number(span[1]) * (span[2] === 'd' ? 86_400_000 : 3_600_000)).toISOString();
  if (Number.isNaN(Date.parse(text))) usageError(`--expires takes a date (2027-01-31), a time (2027-01-31T18:00:00Z) or a duration (90d, 12h), not ${text}`);
  return text;
}

function dashboardHint(ctx: { url: string; adminKey: string; job: string }): string {
  return `\ndashboard: ${ctx.url}/ui/#/jobs/${ctx.job}\n  sign in with this run's admin key: ${ctx.adminKey}\n\n`;
}

function untilInterrupted(message: string): Promise<void> {
  process.stderr.write(message);
  return new Promise((done) => process.once('SIGINT', () => done()));
}

/** The demo's last step: publish the model and score a few customers over HTTP, as marketing would. */
async function demoScoring(ctx: { url: string; adminKey: string; scorerKey: string; result: SimulationResult }): Promise<string> {
  const name = ctx.result.model?.name;
  if (!name) return '';
  const post = async (path: string, key: string, body?: unknown) => {
    const res = await fetch(`${ctx.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return res.json() as Promise<Record<string, unknown>>;
  };
  await post(`/v1/models/${name}/versions/${ctx.result.model?.version}/publish`, ctx.adminKey);
  const ids = ['25115', '2346', '19074', 'not-a-customer'];
  const scored = (await post(`/v1/models/${name}/score`, ctx.scorerKey, { ids })) as { results?: Array<{ id: string; score: number | null; decile: number | null; status: string }> };
  return [
    `\nPublished ${name} v${ctx.result.model?.version} and scored a few customers through the HTTP API:`,
    ...(scored.results ?? []).map((r) => `  ${r.id.padEnd(16)} ${r.score === null ? '     -' : r.score.toFixed(4)}  decile ${r.decile ?? '-'}  ${r.status}`),
    'A marketing service would call, with a scorer key against a running coordinator:',
    `  curl -s -X POST http://127.0.0.1:7400/v1/models/${name}/score \\`,
    `    -H "authorization: Bearer $FEDMARK_API_KEY" -H 'content-type: application/json' \\`,
    `    -d '{"ids": ["25115", "2346"]}'`,
  ].join('\n');
}
