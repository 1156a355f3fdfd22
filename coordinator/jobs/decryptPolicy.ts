// What the arbiter decrypts, and for whom (design note protocols.md, threat model: "only for members
// of the job, only the positions and the number of results that step of the protocol produces").
// Pure bookkeeping, no SEAL. A request names its training step (epoch, batch, rows) and every
// party's feature count; the policy derives the step's layout exactly as the parties do
// (layout.ts) and admits, per party and step, each of the party's feature groups once, at its
// result positions only. Parties move in lock-step (no party opens a step more than one ahead of
// the slowest other party), so a party cannot invent steps to raise its quota: the honest partner
// would have to follow, and its own requests name the real step. After each epoch's batches comes
// its evaluation round (batch = the batch count), one value per party, on the same rows every epoch.
// What it does not stop: a party that lies about its features (e.g. indicator columns of single
// rows) gets that linear function of Enc(d) within its quota; docs/security.md lists this limit.
import { FedmarkError } from '../../errors/table.ts';
import { groupCount, makeLayout, recommendChunkLength, resultPositions, type Layout } from '../../protocol/he/layout.ts';
import type { HeStep } from '../../protocol/messages/train.ts';

export interface DecryptPolicyOptions {
  job: string;
  N: number;
  /** The guest first, then the hosts in the job's order: the order of the layout's feature counts. */
  parties: readonly string[];
  epochs: number;
  batchSize: number;
}

interface PartyProgress {
  epoch: number;
  batch: number;
  /** Distinct steps this party has opened. */
  steps: number;
  /** The current step's key (epoch/batch, and whether it is the evaluation round). */
  key: string;
  /** Feature groups already decrypted in the current step. */
  served: Set<number>;
}

export class DecryptPolicy {
  private readonly o: DecryptPolicyOptions;
  private counts: readonly number[] | undefined;
  private evaluationRows: number | undefined;
  private readonly layouts = new Map<string, Layout>();
  private readonly progress = new Map<string, PartyProgress>();

  constructor(options: DecryptPolicyOptions) {
    this.o = options;
  }

  /**
   * Admits the request of `party` for the results of feature groups group, group + 1, … of `step`
   * (one per entry of `positions`), or throws FM_ERR_HE_REFUSED saying why. An admitted group is
   * spent: it is never decrypted again for this party and step.
   */
  admit(party: string, step: HeStep, group: number, positions: readonly (readonly number[])[]): void {
    const index = this.o.parties.indexOf(party);
    if (index < 0) throw this.refuse(party, 'it is not a party of this job');
    const jobCounts = this.checkCounts(party, step.counts);
    // The evaluation round after an epoch: one value per party (the guest's Σ c·U, a host's ⟨u_k, U⟩).
    const counts = step.evaluation ? jobCounts.map(() => 1) : jobCounts;
    const features = counts[index] as number;
    if (step.epoch >= this.o.epochs) throw this.refuse(party, `epoch ${step.epoch} is past the job's ${this.o.epochs} epochs`);
    if (!step.evaluation && step.rows > this.o.batchSize) throw this.refuse(party, `a step of ${step.rows} rows is larger than the batch size ${this.o.batchSize}`);
    if (step.evaluation && this.evaluationRows !== undefined && step.rows !== this.evaluationRows) throw this.refuse(party, `the evaluation has ${this.evaluationRows} rows, the request says ${step.rows}`);
    const key = `${step.epoch}/${step.batch}${step.evaluation ? ' (evaluation)' : ''}`;
    const rows = this.layouts.get(key)?.rows;
    if (rows !== undefined && rows !== step.rows) throw this.refuse(party, `step ${key} has ${rows} rows, the request says ${step.rows}`);
    const layout = this.layout(party, key, step.rows, counts);
    const groups = groupCount(layout, features);
    const current = this.progress.get(party);
    const opens = current === undefined || step.epoch > current.epoch || (step.epoch === current.epoch && step.batch > current.batch);
    if (!opens && (step.epoch !== current.epoch || step.batch !== current.batch)) {
      throw this.refuse(party, `step ${key} comes after step ${current.epoch}/${current.batch}`);
    }
    const steps = (current?.steps ?? 0) + (opens ? 1 : 0);
    if (opens) {
      const slowest = Math.min(...this.o.parties.filter((p) => p !== party).map((p) => this.progress.get(p)?.steps ?? 0));
      if (steps > slowest + 1) throw this.refuse(party, `step ${key} is ahead of the other parties`);
    }
    const served = opens ? new Set<number>() : (current as PartyProgress).served;
    for (const [i, asked] of positions.entries()) {
      const g = group + i;
      if (g >= groups) throw this.refuse(party, `step ${key} yields ${groups} result${groups === 1 ? '' : 's'} for ${features} features; result ${g} is over that quota`);
      if (served.has(g)) throw this.refuse(party, `result ${g} of step ${key} was already decrypted`);
      const expected = resultPositions(layout, Math.min(layout.k, features - g * layout.k));
      if (asked.length !== expected.length || asked.some((p, j) => p !== expected[j])) {
        throw this.refuse(party, `result ${g} of step ${key}: only the ${expected.length} result position${expected.length === 1 ? '' : 's'} of the layout may be decrypted`);
      }
    }
    for (let i = 0; i < positions.length; i++) served.add(group + i);
    if (step.evaluation) this.evaluationRows = step.rows;
    this.progress.set(party, { epoch: step.epoch, batch: step.batch, steps, key, served });
    // Parties stay within one step of each other, so only their current steps' layouts can be asked again.
    const live = new Set([...this.progress.values()].map((p) => p.key));
    for (const known of this.layouts.keys()) if (!live.has(known)) this.layouts.delete(known);
  }

  /**
   * The error for a request outside the protocol. `local`: details for the coordinator's own log
   * only (never sent to the requester or partners).
   */
  refuse(party: string, reason: string, local?: Record<string, number>): FedmarkError {
    return new FedmarkError('FM_ERR_HE_REFUSED', { party, job: this.o.job, reason }, local ? { local } : undefined);
  }

  /** Every party must name the same feature counts, one per party; the first request fixes them. */
  private checkCounts(party: string, counts: readonly number[]): readonly number[] {
    if (counts.length !== this.o.parties.length) throw this.refuse(party, `${counts.length} feature counts for a job of ${this.o.parties.length} parties`);
    if (this.counts === undefined) this.counts = [...counts];
    else if (counts.some((c, i) => c !== this.counts?.[i])) throw this.refuse(party, 'its feature counts differ from those of the job\'s other requests');
    return this.counts;
  }

  private layout(party: string, key: string, rows: number, counts: readonly number[]): Layout {
    const known = this.layouts.get(key);
    if (known) return known;
    try {
      const layout = makeLayout(this.o.N, rows, recommendChunkLength(this.o.N, rows, counts));
      this.layouts.set(key, layout);
      return layout;
    } catch (err) {
      throw this.refuse(party, `step ${key} has no valid layout (${(err as Error).message})`);
    }
  }
}
