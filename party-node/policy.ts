// A party's own policy, set by its compliance staff in the party config: what this party refuses
// whatever the coordinator or a scientist asks, and what it requires (a consent column, an
// allow-list of columns, a minimum cell size for every count it releases, its partners and
// purposes, approval of each job: approvals/rules.ts). Each refusal is a FM_ERR_POLICY_REFUSED error
// naming the party and the rule; it fails the job (or the scoring call) and travels to the
// coordinator and the scientist like any job error. Checks run before anything is exchanged, except
// the cohort size, which is known only when PSI ends (and is checked before anything else is sent).
import { Type, type Static } from '@sinclair/typebox';
import { FedmarkError } from '../errors/table.ts';
import type { BodyOf } from '../protocol/messages/index.ts';
import { PartyId } from '../protocol/messages/job.ts';
import type { DatasetSpecWire } from '../protocol/messages/dataset.ts';
import { ApprovalPolicySchema, PurposeName } from './approvals/rules.ts';
import { jobFacts, namedColumns } from './approvals/jobFacts.ts';

export const PolicySchema = Type.Object(
  {
    restrictedColumns: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { description: 'columns no job may use: as ID, label, consent or feature' })),
    minCohortSize: Type.Optional(Type.Integer({ minimum: 1, description: 'refuse to go on when fewer customers are matched (training or evaluation intersection)' })),
    maxScoringRequestsPerHour: Type.Optional(Type.Integer({ minimum: 1, description: 'scoring requests (one per up to 10,000 IDs) this party answers per rolling hour' })),
    partners: Type.Optional(Type.Array(PartyId, { description: 'the only parties this party works with; absent: any party the coordinator knows' })),
    minAggregateContributors: Type.Optional(Type.Integer({ minimum: 2, maximum: 64, description: 'horizontal jobs: the fewest members whose contributions an aggregate must hold before this member decrypts it (default 3)' })),
    minCampaignCellSize: Type.Optional(Type.Integer({ minimum: 1, description: 'campaign outcomes: the fewest customers an arm × decile count may describe when it leaves (smaller deciles are pooled)' })),
    listDatasets: Type.Optional(Type.Boolean({ description: 'let scientists list its datasets (names, column names and types, row counts); default false' })),
    allowedColumns: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, description: 'the only columns a job may use (ID, label, consent, features); absent: any column not restricted' })),
    consentColumn: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'every job uses this consent column: rows without consent are dropped before PSI (counted in the ledger); a job naming another consent column is refused' })),
    minCellSize: Type.Optional(Type.Integer({ minimum: 2, description: 'no count this party releases (row counts in job.ready, intersection and evaluation sizes, lift and score-distribution cells in its report) may be between 1 and this minus 1' })),
    purposes: Type.Optional(Type.Array(PurposeName, { minItems: 1, description: 'the only purposes it serves: intersection (PSI jobs), propensity, lookalike' })),
    approval: Type.Optional(ApprovalPolicySchema),
  },
  { additionalProperties: false },
);
export type PolicyConfig = Static<typeof PolicySchema>;

const HOUR_MS = 3_600_000;

/** With two contributors, each one's update is the sum minus its own: three is the least that hides one. */
export const DEFAULT_MIN_AGGREGATE_CONTRIBUTORS = 3;

export class PartyPolicy {
  private readonly party: string;
  private readonly rules: PolicyConfig;
  private readonly now: () => number;
  /** Times of the scoring requests answered in the last hour, oldest first. */
  private readonly scoring: number[] = [];

  constructor(party: string, rules: PolicyConfig = {}, now: () => number = Date.now) {
    this.party = party;
    this.rules = rules;
    this.now = now;
  }

  /** Before the data is read: the partners, the purpose, the consent column and every column the job names. */
  admitJob(prepare: BodyOf<'job.prepare'>): void {
    const { partners, purposes, consentColumn } = this.rules;
    if (partners) {
      const unknown = prepare.peers.find((p) => !partners.includes(p.id));
      if (unknown) this.refuse('partners', `${unknown.id} is not among its partners (${partners.join(', ')})`);
    }
    const facts = jobFacts(prepare);
    if (purposes && !purposes.includes(facts.purpose)) this.refuse('purposes', `it does not serve ${facts.purpose} jobs (only ${purposes.join(', ')})`);
    const named = namedColumns(facts);
    if (consentColumn !== undefined && facts.columns.consent !== undefined && facts.columns.consent !== consentColumn) {
      this.refuse('consentColumn', `the job names consent column "${facts.columns.consent}", but this party's consent column is "${consentColumn}"`);
    }
    this.admitColumns(named, 'the job names it');
    if (prepare.kind === 'horizontal') {
      const min = this.minAggregateContributors();
      const allowed = prepare.federation?.minMembers ?? min;
      if (allowed < min) this.refuse('minAggregateContributors', `the job lets a round be aggregated from ${allowed} contributions, fewer than its minimum of ${min}`);
    }
  }

  /** The dataset as this party reads it: with its own consent column when its policy sets one. */
  withConsent(dataset: DatasetSpecWire): DatasetSpecWire {
    const column = this.rules.consentColumn;
    return column === undefined ? dataset : { ...dataset, consentColumn: column };
  }

  /**
   * Before a message with counts leaves: refused if any count is between 1 and minCellSize − 1
   * (an empty cell says nothing about a customer; a cell of one or two does). Names the figure.
   */
  admitCells(counts: ReadonlyArray<readonly [string, number]>): void {
    const min = this.rules.minCellSize;
    if (min === undefined) return;
    const small = counts.find(([, n]) => n > 0 && n < min);
    if (small) this.refuse('minCellSize', `${small[0]} is ${small[1]}, below its minimum cell size of ${min}; it was not sent`);
  }

  /** A horizontal aggregate: refused unless it names enough contributors, before it is decrypted. */
  admitAggregate(contributors: number, round: number): void {
    const min = this.minAggregateContributors();
    if (contributors < min) this.refuse('minAggregateContributors', `the aggregate for round ${round} names ${contributors} contributor${contributors === 1 ? '' : 's'}, fewer than its minimum of ${min}; it was not decrypted`);
  }

  private minAggregateContributors(): number {
    return this.rules.minAggregateContributors ?? DEFAULT_MIN_AGGREGATE_CONTRIBUTORS;
  }

  /**
   * After loading: the feature columns a training job uses by default (every other column) are
   * checked too. A PSI job reads only IDs (and consent), so its unused columns do not matter.
   */
  admitFeatureColumns(kind: BodyOf<'job.prepare'>['kind'], columns: readonly string[]): void {
    if (kind === 'psi') return;
    this.admitColumns(columns, 'the job would use it as a feature (by default every other column is one: list the features without it)');
  }

  /** A listing of the catalogue is refused unless the policy allows it; restricted columns are left out of it. */
  admitListing(): { hidden: readonly string[] } {
    if (this.rules.listDatasets !== true) this.refuse('listDatasets', 'it does not let its datasets be listed');
    return { hidden: this.rules.restrictedColumns ?? [] };
  }

  admitCohort(size: number, what: 'intersection' | 'evaluation intersection'): void {
    const min = this.rules.minCohortSize;
    if (min !== undefined && size < min) this.refuse('minCohortSize', `the ${what} has ${size} customers, fewer than its minimum of ${min}`);
  }

  /** Counts one scoring request, or refuses it when the rolling hour is full. */
  admitScoring(): void {
    const max = this.rules.maxScoringRequestsPerHour;
    if (max === undefined) return;
    const now = this.now();
    while (this.scoring.length > 0 && (this.scoring[0] as number) <= now - HOUR_MS) this.scoring.shift();
    if (this.scoring.length >= max) this.refuse('maxScoringRequestsPerHour', `it answers at most ${max} scoring requests per hour`);
    this.scoring.push(now);
  }

  private admitColumns(columns: readonly string[], how: string): void {
    const restricted = this.rules.restrictedColumns ?? [];
    const hit = columns.find((c) => restricted.includes(c));
    if (hit !== undefined) this.refuse('restrictedColumns', `column "${hit}" is restricted and ${how}`);
    const allowed = this.rules.allowedColumns;
    const outside = allowed ? columns.find((c) => !allowed.includes(c)) : undefined;
    if (outside !== undefined && allowed) this.refuse('allowedColumns', `column "${outside}" is not among its allowed columns (${allowed.join(', ')}) and ${how}`);
  }

  private refuse(rule: string, reason: string): never {
    throw new FedmarkError('FM_ERR_POLICY_REFUSED', { party: this.party, rule, reason });
  }
}
