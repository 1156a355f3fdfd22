// `fedmark job` / `fedmark jobs`: submit a job file (and watch it), list, show, follow and cancel jobs.
import { parseArgs } from 'node:util';
import type { JobView } from '../../protocol/messages/jobSpec.ts';
import { readJobFile } from '../jobs/jobFile.ts';
import { ApiClient, CONNECTION_HELP, CONNECTION_OPTIONS } from './client.ts';
import { fail } from './output.ts';
import { JobWatcher, summary, type WatchMode } from './watch.ts';
import { usageError } from '../../protocol/usage.ts';

export function jobsHelp(name: 'job' | 'jobs'): string {
  return `usage: fedmark ${name} submit JOB.yaml [--watch | --wait] [--json]
       fedmark ${name} list [--limit N] [--json]
       fedmark ${name} show ID [--watch] [--json]
       fedmark ${name} cancel ID [--json]

Jobs of a running coordinator ("job" and "jobs" are the same command).
  submit   reads the job file, sends it and prints the job id; --watch follows it: a progress
           bar with the latest evaluation AUC and loss on a terminal, one line per epoch
           otherwise, then a summary; --wait prints the epochs and the job when it ends.
  list     the latest jobs, newest first.
  show     one job; --watch follows it live until it ends.
  cancel   stops a running job at every party (admin or scientist key).
--json prints JSON on stdout (progress still goes to stderr). Exit code 1 when the job failed or
was cancelled.

${CONNECTION_HELP}`;
}

export async function jobsCommand(argv: string[], name: 'job' | 'jobs'): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { ...CONNECTION_OPTIONS, wait: { type: 'boolean' }, watch: { type: 'boolean' }, json: { type: 'boolean' }, limit: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const help = jobsHelp(name);
  const [verb, arg] = positionals;
  if (values.help) return void console.log(help);
  if (!verb) usageError(`${name} needs a command: submit, list, show or cancel`);
  const needsArg = (what: string): string => arg ?? usageError(`${name} ${verb} needs ${what}`);
  if (!['submit', 'list', 'show', 'cancel'].includes(verb)) usageError(`unknown ${name} command "${verb}" (submit, list, show or cancel)`);
  if (values.wait && values.watch) fail('give --watch or --wait, not both');
  const api = await ApiClient.from(values);

  if (verb === 'list') {
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) fail(`--limit must be a positive integer, not ${values.limit}`);
    const jobs = (await api.call<JobView[]>('GET', '/v1/jobs')).slice(0, limit);
    if (values.json) return void console.log(JSON.stringify(jobs));
    if (jobs.length === 0) return void console.log('no jobs yet: fedmark job submit JOB.yaml');
    console.log(jobTable(jobs));
    return;
  }
  if (verb === 'cancel') {
    const id = needsArg('a job ID');
    const view = await api.call<JobView>('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`);
    return void console.log(values.json ? JSON.stringify(view) : `${view.id} ${view.name}: ${view.state}; every party was told to stop`);
  }

  let id: string;
  if (verb === 'submit') {
    const spec = await readJobFile(needsArg('a job file'));
    id = (await api.call<{ id: string }>('POST', '/v1/jobs', spec)).id;
    if (!values.wait && !values.watch) return void console.log(values.json ? JSON.stringify({ job: id, state: 'queued' }) : `submitted ${id}\n  follow it: fedmark jobs show ${id} --watch`);
    if (values.watch && !values.json) console.log(`submitted ${id} (${spec.name}, ${spec.kind}: ${spec.parties.map((p) => `${p.id} as ${p.role}`).join(', ')})`);
  } else {
    id = needsArg('a job ID');
  }

  if (verb === 'show' && !values.watch) {
    const view = await api.call<JobView>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
    if (values.json) console.log(JSON.stringify(view));
    else console.log(summary(view, [], api.connection.url).join('\n'));
    if (view.state === 'failed' || view.state === 'cancelled' || view.state === 'rejected') process.exitCode = 1;
    return;
  }

  const mode: WatchMode = values.wait ? 'steps-only' : process.stderr.isTTY ? 'bar' : 'lines';
  const view = await follow(api, id, mode);
  if (values.json) console.log(JSON.stringify(view.job));
  else if (values.wait) console.log(oneLine(view.job));
  else console.log(summary(view.job, view.steps, api.connection.url).join('\n'));
  if (view.job.state === 'failed' || view.job.state === 'cancelled' || view.job.state === 'rejected') process.exitCode = 1;
}

/** Follows the job's live stream until it ends, reconnecting if the stream drops; Ctrl-C stops watching, not the job. */
async function follow(api: ApiClient, id: string, mode: WatchMode): Promise<{ job: JobView; steps: JobWatcher['history'] }> {
  const abort = new AbortController();
  const onInterrupt = () => {
    abort.abort();
    process.stderr.write(`\nstopped watching; the job goes on. Follow it again: fedmark jobs show ${id} --watch, or stop it: fedmark jobs cancel ${id}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  const watcher = new JobWatcher(process.stderr, mode);
  // A reconnection replays the job's events from the start: skip those already shown.
  let seen = 0;
  try {
    for (let attempt = 0; ; attempt++) {
      let index = 0;
      try {
        await api.follow(`/v1/jobs/${encodeURIComponent(id)}/live`, (event, data) => {
          if (event === 'event' && index++ < seen) return;
          if (event === 'event') seen++;
          watcher.onMessage(event, data);
        }, abort.signal);
      } catch (err) {
        if (attempt >= 5) throw err;
      }
      if (watcher.ended && watcher.job) {
        watcher.close();
        return { job: watcher.job, steps: watcher.history };
      }
      process.stderr.write('\n  (live stream interrupted; reconnecting)\n');
      await new Promise((r) => setTimeout(r, 500 * 2 ** Math.min(attempt, 4)));
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

function oneLine(view: JobView): string {
  return `${view.id} ${view.name} (${view.kind}): ${view.state}${view.result?.psi ? `, intersection ${view.result.psi.intersectionSize}` : ''}${view.error ? `\n  ${view.error.code}: ${view.error.message}` : ''}`;
}

function jobTable(jobs: JobView[]): string {
  const rows = jobs.map((j) => [
    j.id, j.name, j.kind, j.state,
    j.result?.psi ? String(j.result.psi.intersectionSize) : '-',
    j.result?.metrics?.auc !== undefined ? j.result.metrics.auc.toFixed(4) : '-',
    j.createdAt.replace('T', ' ').slice(0, 19),
    j.durationMs === undefined ? '-' : `${(j.durationMs / 1000).toFixed(1)} s`,
  ]);
  return table(['ID', 'NAME', 'KIND', 'STATE', 'INTERSECTION', 'AUC', 'SUBMITTED (UTC)', 'DURATION'], rows);
}

/** Left-aligned columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
