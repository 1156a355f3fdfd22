// Follows a job for `fedmark job submit --watch` and `fedmark jobs show --watch`: on a terminal, a
// progress bar redrawn in place with the latest evaluation AUC and loss; otherwise (a pipe, a CI log)
// one plain line per step. Progress goes to stderr so that stdout keeps the summary or the JSON.
import type { JobView } from '../../protocol/messages/jobSpec.ts';

export interface Step {
  step: number;
  total?: number;
  unit: string;
  loss?: number;
  auc?: number;
  seconds?: number;
}

interface Sink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const ENDED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled', 'rejected']);

/** A progress event of any job kind: a numbered epoch (with evaluation loss and AUC) or a horizontal round (no metrics until the end). */
export function stepOf(type: string, detail: Record<string, unknown>): Step | undefined {
  const step = detail.epoch ?? detail.round;
  if (!type.startsWith('train.') || typeof step !== 'number') return undefined;
  const num = (...keys: string[]) => keys.map((k) => detail[k]).find((v): v is number => typeof v === 'number');
  const s: Step = { step, unit: detail.epoch === undefined ? 'round' : 'epoch' };
  const total = num('epochs', 'rounds');
  const loss = num('evalLoss', 'loss');
  const auc = num('evalAuc', 'auc');
  const seconds = num('seconds');
  if (total !== undefined) s.total = total;
  if (loss !== undefined) s.loss = loss;
  if (auc !== undefined) s.auc = auc;
  if (seconds !== undefined) s.seconds = seconds;
  return s;
}

export function bar(share: number, width: number): string {
  const clamped = Math.min(1, Math.max(0, share));
  const full = Math.round(clamped * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

const f4 = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(4));

/** The plain line of one step (also what `--wait` has always printed). */
export function stepLine(s: Step): string {
  // A vertical epoch has its AUC only for the kept model, at the end.
  const metrics = s.loss === undefined && s.auc === undefined ? '' : `: evaluation loss ${f4(s.loss)}${s.auc === undefined ? '' : `, AUC ${f4(s.auc)}`}`;
  return `  ${s.unit} ${s.step}/${s.total ?? '?'}${metrics}${s.seconds === undefined ? '' : ` (${s.seconds.toFixed(1)} s)`}`;
}

/** The terminal's progress line: bar, step, metrics, pace and time left. */
export function barLine(s: Step, columns: number): string {
  const pace = s.seconds !== undefined && s.step > 0 ? s.seconds / s.step : undefined;
  const left = pace !== undefined && s.total !== undefined ? Math.max(0, (s.total - s.step) * pace) : undefined;
  const metrics = s.loss === undefined && s.auc === undefined ? '' : `${s.auc === undefined ? '' : `  AUC ${f4(s.auc)}`}  loss ${f4(s.loss)}`;
  const tail = `${s.step}/${s.total ?? '?'} ${s.unit}s${metrics}${pace === undefined ? '' : `  ${pace.toFixed(2)} s/${s.unit}`}${left ? `  ~${Math.ceil(left)} s left` : ''}`;
  const width = Math.max(10, Math.min(30, columns - tail.length - 6));
  return `  ${bar(s.total ? s.step / s.total : 0, width)}  ${tail}`;
}

export type WatchMode = 'bar' | 'lines' | 'steps-only';

export class JobWatcher {
  private readonly out: Sink;
  private readonly mode: WatchMode;
  private view: JobView | undefined;
  private last: Step | undefined;
  private barShown = false;
  private readonly steps: Step[] = [];

  constructor(out: Sink, mode: WatchMode) {
    this.out = out;
    this.mode = mode;
  }

  get job(): JobView | undefined {
    return this.view;
  }

  get ended(): boolean {
    return this.view !== undefined && ENDED.has(this.view.state);
  }

  get history(): readonly Step[] {
    return this.steps;
  }

  onMessage(event: string, data: unknown): void {
    if (event === 'job') {
      const previous = this.view?.state;
      this.view = data as JobView;
      if (previous !== undefined && previous !== this.view.state) this.line(`  ${this.view.state}`);
      return;
    }
    if (event !== 'event') return;
    const e = data as { type: string; detail: Record<string, unknown> };
    const step = stepOf(e.type, e.detail);
    if (step) {
      this.steps.push(step);
      this.last = step;
      if (this.mode === 'bar') this.drawBar();
      else this.out.write(`${stepLine(step)}\n`);
      return;
    }
    const d = e.detail;
    const n = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : '?');
    if (e.type === 'party.ready') this.line(`  ${String(d.party)} ready: ${n(d.totalRows)} rows, ${n(d.consentingRows)} with consent, ${n(d.features)} features`);
    else if (e.type === 'psi.done') this.line(`  PSI: ${n(d.intersectionSize)} customers shared by every party`);
    else if (e.type === 'model.registered') this.line(`  model ${String(d.name)} v${n(d.version)} registered`);
    else if (e.type === 'job.waiting-for-party') this.line(`  waiting for party ${String(d.party)} to come back; the job resumes from its checkpoints`);
    else if (e.type === 'approval.pending') this.line(`  waiting for ${String(d.party)}'s approval (${approvalCount(d)}): its compliance staff run fedmark party approvals on its host`);
    else if (e.type === 'approval.approved' && d.auto !== true) this.line(`  ${String(d.party)} approved the job (${approvalCount(d)})`);
    else if (e.type === 'approval.rejected') this.line(`  ${String(d.party)} rejected the job: ${String(d.reason ?? 'no reason given')}`);
  }

  /** Leaves the terminal's progress line in place before the summary. */
  close(): void {
    if (this.barShown) this.out.write('\n');
    this.barShown = false;
  }

  private line(text: string): void {
    if (this.mode === 'steps-only') return;
    if (this.barShown) this.out.write('\r\x1b[2K');
    this.out.write(`${text}\n`);
    if (this.barShown) this.drawBar();
  }

  private drawBar(): void {
    if (!this.last) return;
    this.out.write(`\r\x1b[2K${barLine(this.last, this.out.columns || 100)}`);
    this.barShown = true;
  }
}

/** The closing summary: outcome, intersection, parties, model metrics and what to run next. */
function approvalCount(d: Record<string, unknown>): string {
  const by = Array.isArray(d.approvedBy) ? d.approvedBy.map(String) : [];
  return `${by.length}/${typeof d.required === 'number' ? d.required : '?'} approvals${by.length ? `: ${by.join(', ')}` : ''}`;
}

/** Who has still to approve a job, and who approved, as the parties reported it. */
export function approvalLines(view: JobView): string[] {
  const approvals = view.approvals ?? [];
  if (!approvals.some((a) => a.state !== 'approved' || a.auto !== true)) return [];
  return approvals.map((a) => {
    if (a.state === 'rejected') return `  ${a.party}: rejected by ${a.rejectedBy ?? '?'}: ${a.reason ?? 'no reason given'}`;
    if (a.auto) return `  ${a.party}: approved by its policy`;
    return `  ${a.party}: ${a.state === 'pending' ? 'to approve' : 'approved'} (${approvalCount(a)})`;
  });
}

export function summary(view: JobView, steps: readonly Step[], url: string): string[] {
  const secs = view.durationMs === undefined ? '' : ` in ${(view.durationMs / 1000).toFixed(1)} s`;
  const lines = [`job ${view.name} (${view.kind}) ${view.state}${secs} — ${view.id}`, ...approvalLines(view)];
  const psi = view.result?.psi;
  if (psi) {
    lines.push(`  intersection: ${psi.intersectionSize.toLocaleString('en-US')} customers shared by all parties`);
    for (const [party, s] of Object.entries(psi.parties)) lines.push(`  ${party}: ${s.totalRows.toLocaleString('en-US')} rows, ${s.consentingRows.toLocaleString('en-US')} with consent`);
  }
  const m = view.result?.metrics;
  const model = view.result?.model;
  if (m && model) {
    lines.push(`  model ${model.name} v${model.version}: AUC ${f4(m.auc)}, KS ${f4(m.ks)}, log loss ${f4(m.logLoss)} on the evaluation rows`);
    if (m.guestOnlyAuc !== undefined && m.auc !== undefined) {
      const gain = m.auc - m.guestOnlyAuc;
      lines.push(`  guest alone: AUC ${f4(m.guestOnlyAuc)} — the partners add ${gain >= 0 ? '+' : ''}${gain.toFixed(4)} AUC`);
    }
    if (m.epochs !== undefined) lines.push(`  ${m.epochs} epochs (best ${m.bestEpoch ?? '?'}), ${m.secondsPerEpoch?.toFixed(2) ?? '?'} s per epoch`);
  } else if (steps.length) {
    const last = steps.at(-1) as Step;
    lines.push(`  last ${last.unit} ${last.step}/${last.total ?? '?'}: AUC ${f4(last.auc)}, loss ${f4(last.loss)}`);
  }
  if (view.error) lines.push(`  ${view.error.code}: ${view.error.message}`);
  if (model && view.state === 'succeeded') lines.push(`  next: fedmark models show ${model.name} ${model.version}   (then fedmark models publish ${model.name} ${model.version})`);
  lines.push(`  dashboard: ${url}/ui/#/jobs/${view.id}`);
  return lines;
}
