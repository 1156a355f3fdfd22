// What the arbiter decrypts, and for whom (design note protocols.md, threat model: "only for members
// of the job, only the positions and the number of results that step of the protocol produces").
// Pure bookkeeping, no SEAL. The job's vertical model says what one party may have decrypted in
// one step of its protocol (its arbiter rules: how many results, at which positions); this policy
// adds what holds for every model: only the job's parties, each result of a step once, and parties
// in lock-step (no party opens a step more than one ahead of the slowest other party that asks for
// decryptions in the model), so a party
// cannot invent steps to raise its quota: the honest partner would have to follow, and its own
// requests name the real step.
import { FedmarkError } from '../../errors/table.ts';
import type { DecryptRules } from '../../models/vertical/model.ts';

export interface DecryptPolicyOptions {
  job: string;
  /** The guest first, then the hosts in the job's order: the order the model's rules index. */
  parties: readonly string[];
  rules: DecryptRules;
}

interface PartyProgress {
  order: readonly [number, number];
  /** Distinct steps this party has opened. */
  steps: number;
  /** The current step's key. */
  key: string;
  /** Results already decrypted in the current step. */
  served: Set<number>;
}

const before = (a: readonly [number, number], b: readonly [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

export class DecryptPolicy {
  private readonly o: DecryptPolicyOptions;
  private readonly progress = new Map<string, PartyProgress>();

  constructor(options: DecryptPolicyOptions) {
    this.o = options;
  }

  /**
   * Admits the request of `party` for results group, group + 1, … of `step` (one per entry of
   * `positions`), or throws FM_ERR_HE_REFUSED saying why. An admitted result is spent: it is never
   * decrypted again for this party and step.
   */
  admit(party: string, step: unknown, group: number, positions: readonly (readonly number[])[]): void {
    const index = this.o.parties.indexOf(party);
    if (index < 0) throw this.refuse(party, 'it is not a party of this job');
    const quota = this.o.rules.quota(index, step);
    if (typeof quota === 'string') throw this.refuse(party, quota);
    const { key, order } = quota;
    const current = this.progress.get(party);
    const opens = current === undefined || before(current.order, order);
    if (!opens && (order[0] !== current.order[0] || order[1] !== current.order[1])) {
      throw this.refuse(party, `step ${key} comes after step ${current.order.join('/')}`);
    }
    const steps = (current?.steps ?? 0) + (opens ? 1 : 0);
    if (opens) {
      const paced = this.o.rules.decrypting;
      const others = this.o.parties.filter((p, i) => p !== party && (paced === undefined || paced.includes(i)));
      // With one party asking (e.g. the guest of gradient-boosted trees), nobody paces it: its rules bound its steps.
      const slowest = Math.min(...others.map((p) => this.progress.get(p)?.steps ?? 0));
      if (steps > slowest + 1) throw this.refuse(party, `step ${key} is ahead of the other parties`);
    }
    const served = opens ? new Set<number>() : (current as PartyProgress).served;
    for (const [i, asked] of positions.entries()) {
      const r = group + i;
      if (r >= quota.results) throw this.refuse(party, `step ${key} yields ${quota.results} result${quota.results === 1 ? '' : 's'} for ${quota.of}; result ${r} is over that quota`);
      if (served.has(r)) throw this.refuse(party, `result ${r} of step ${key} was already decrypted`);
      const expected = quota.positions(r);
      if (asked.length !== expected.length || asked.some((p, j) => p !== expected[j])) {
        throw this.refuse(party, `result ${r} of step ${key}: only the ${expected.length} result position${expected.length === 1 ? '' : 's'} of the layout may be decrypted`);
      }
    }
    for (let i = 0; i < positions.length; i++) served.add(group + i);
    this.o.rules.served?.(step);
    this.progress.set(party, { order, steps, key, served });
    // Parties stay within one step of each other, so only their current steps can be asked again.
    this.o.rules.retain?.(new Set([...this.progress.values()].map((p) => p.key)));
  }

  /**
   * The error for a request outside the protocol. `local`: details for the coordinator's own log
   * only (never sent to the requester or partners).
   */
  refuse(party: string, reason: string, local?: Record<string, number>): FedmarkError {
    return new FedmarkError('FM_ERR_HE_REFUSED', { party, job: this.o.job, reason }, local ? { local } : undefined);
  }
}
