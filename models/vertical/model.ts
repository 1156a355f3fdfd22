// What a vertical model is to the rest of fedmark: everything the job file, the parties' training
// and scoring, and the arbiter need to know of it. Adding a model is one folder beside logistic/
// that exports one of these, and one line in registry.ts:
// - job file: `settings`, the sections it reads (jobs are checked against them when submitted);
// - training at a party: `features` (prepared locally, the mapping never leaves), the guest's and
//   a host's steps, driven through a VerticalRuntime (its `messages` between parties, encrypted
//   vectors under the arbiter's key, checkpoints), and `alone`, the guest-only reference;
// - the arbiter: `arbiter.step`, the step a decryption request names, and the rules of what each
//   party may have decrypted in it;
// - scoring: `scorer` reads a party's shard back and gives its per-row contribution for rows of its
//   own table; `combineAt` says where contributions become logits: at the coordinator by `combine`
//   (a linear model adds partial scores), or at the guest by its shard's `walk` (a tree model: the
//   hosts' contributions are split decisions, which only the guest may see).
// Everything a model produces for the parties is plain data (shards are JSON, contributions
// Float64Arrays); the model itself imports nothing from protocol/ or the processes.
import type { TProperties, TSchema } from '@sinclair/typebox';
import type { Matrix } from '../matrix.ts';
import type { MessageTable } from './messages.ts';
import type { VerticalRuntime } from './runtime.ts';

/** The job's sections (JobSpec) as the parties and the arbiter get them; a model reads its own. */
export type JobSections = Readonly<Record<string, unknown>>;

/** A party's own rows, aligned to the intersection. */
export interface PartyRows {
  train: Matrix;
  evaluation: Matrix;
  /** A lookalike job: every row of the intersection, to be ranked. */
  population?: Matrix;
  names: readonly string[];
  /** Categorical columns: column → its categories, whose one-hot columns are named `column=category` in this order. */
  categorical?: Readonly<Record<string, readonly string[]>>;
}

/** A party's whole table as loaded, for the model's checks before the job exchanges anything. */
export interface PartyTable {
  party: string;
  file: string;
  role: 'guest' | 'host';
  x: Matrix;
  names: readonly string[];
  categorical: Readonly<Record<string, readonly string[]>>;
  labels?: Uint8Array;
  /**
   * The rows of `x` a block at a time, for a check that need not hold the whole table as float64
   * (x of a million rows × 300 columns is 2.4 GB).
   */
  blocks?(): Iterable<Matrix>;
}

/** The rows as the model trains on them, and the mapping that turns raw rows into them (kept in the shard). */
export interface PreparedRows {
  train: Matrix;
  evaluation: Matrix;
  population?: Matrix;
  /** Names of the prepared columns (what the party reports). */
  names: string[];
}

export interface Labels {
  train: Uint8Array;
  evaluation: Uint8Array;
}

/** What a host keeps of a trained model: its shard, JSON, written at its premises only. */
export interface HostOutcome {
  shard: Readonly<Record<string, unknown>>;
  /** The names the party reports for its part of the model, when not its prepared columns' (e.g. with an intercept). */
  features?: string[];
}

export interface GuestOutcome extends HostOutcome {
  /** Logits of the kept model on the evaluation rows: the only per-row scores the guest gets. */
  evalScores: Float64Array;
  /** Logits of the kept model on every row of the intersection (lookalike jobs). */
  population?: Float64Array;
  /** Per epoch (or round), 0-based: the evaluation loss; evalAuc of the kept epoch only. */
  history: Array<{ epoch: number; evalLoss: number; evalAuc?: number }>;
  bestEpoch: number;
  epochsRun: number;
  /** Tree models: per party (guest first, hosts in the job's order), Σ split gain and splits of each column; names of the guest's columns only. */
  importance?: Array<{ gain: readonly number[]; splits: readonly number[]; names?: readonly string[] }>;
  secondsPerEpoch: number;
}

/** A party's part of a trained model, read back for scoring. */
export interface ScoringShard {
  /** Values per row in `contribution`. */
  readonly width: number;
  /** The party's contribution for rows of its raw feature columns (as in training): rows × width values. */
  contribution(x: Matrix): Float64Array;
  /**
   * Reason codes (models/explain/reasons.ts), when the model and its shard can give them: the
   * contribution of the evaluation rows' average customer, and per row of raw columns one term per
   * input feature, with contribution = baseline + Σ terms.
   */
  readonly reasons?: { readonly features: readonly string[]; readonly baseline: number; terms(x: Matrix): Float64Array };
  /**
   * The guest's shard of a model combined at the guest: the logits of its rows `x`, given each
   * host's contributions for the same rows (by host id, rows × that host's width values).
   */
  walk?(x: Matrix, hosts: ReadonlyMap<string, Float64Array>): Float64Array;
}

/** What the arbiter may decrypt for one party in one step of the model's protocol. */
export interface StepQuota {
  /** Names the step, the same for every party in it. */
  key: string;
  /** The step's place in the protocol: parties go through the steps in this order, in lock-step. */
  order: readonly [number, number];
  /** Results (ciphertexts) the party may have decrypted in the step, and of what ("11 features"). */
  results: number;
  of: string;
  /** The coefficients result `r` may be asked at. */
  positions(r: number): readonly number[];
}

/** The arbiter's inner-product layouts (protocol/he/layout.ts), given to a model's rules. */
export interface InnerProductLayouts {
  /** For a step of `rows` rows whose parties contribute `counts` columns: results of `cols` columns, and their positions. */
  results(rows: number, counts: readonly number[], cols: number): { results: number; positions(r: number): readonly number[] };
  /** A histogram of `bins` bins against a vector of `chunkRows` rows per ciphertext: its results and their positions. */
  histogram(bins: number, chunkRows: number): { results: number; positions(r: number): readonly number[] };
}

export interface DecryptRules {
  /** The parties that ask for decryptions (default: every party); lock-step is kept among them. */
  readonly decrypting?: readonly number[];
  /** What party `index` (guest first, then the hosts in the job's order) may have decrypted in `step`; a string says why nothing. */
  quota(index: number, step: unknown): StepQuota | string;
  /** `step` was served: the rules may remember what it fixed (e.g. the evaluation's rows). */
  served?(step: unknown): void;
  /** Only these steps can be asked again (parties move in lock-step): older ones may be forgotten. */
  retain?(keys: ReadonlySet<string>): void;
}

export interface VerticalModel<Name extends string = string, Settings extends TProperties = TProperties, Messages extends MessageTable = MessageTable> {
  /** The job file's `model:`. */
  readonly name: Name;
  /** The job-file sections the model reads (each optional, defaults filled in when a job is submitted). */
  readonly settings: Settings;
  /**
   * Training settings a lookalike job (purpose: lookalike) starts from where its job file sets
   * none, when the model's propensity defaults suit positive-unlabelled labels less well.
   */
  readonly lookalikeTraining?: Readonly<Record<string, unknown>>;
  /**
   * 'float32': the party may hold the rows it trains on in float32 (half the memory: 1.2 GB for
   * 1M × 300), because the model's precision is coarser anyway (logistic regression's encrypted
   * products see 13 fractional bits). Default float64, exactly the values loaded; so must be any
   * job that cuts the values into bins (their edges are the values as loaded, and scoring compares
   * loaded values with them).
   */
  rowPrecision?(sections: JobSections): 'float32' | 'float64';
  /**
   * What a party reveals by training the model, after PSI, by role: the short form of its "what
   * each role learns" in docs/security.md, shown to the compliance officer who approves a job.
   */
  readonly reveals?: { readonly guest: string; readonly host: string };
  /** The model's messages between parties (inside the end-to-end channel). */
  readonly messages: Messages;
  readonly arbiter: {
    /** The `step` of a decryption request (he.decrypt). */
    readonly step: TSchema;
    rules(job: { parties: readonly string[]; sections: JobSections; layouts: InnerProductLayouts }): DecryptRules;
  };
  /**
   * Checks a party's table against the job before anything is exchanged (after loading, before
   * PSI): throws a FedmarkError naming the party, file and column of a table the model cannot train on.
   */
  check?(table: PartyTable, sections: JobSections): void;
  /**
   * Prepares a party's features from its own training rows; `mapping` goes into its shard. The
   * rows are the model's own (copies made for the job): it may overwrite them, and at a million
   * rows should, rather than hold a second copy.
   */
  features(rows: PartyRows, sections: JobSections): { rows: PreparedRows; mapping: unknown };
  guest(rt: VerticalRuntime<Messages, unknown>, rows: PreparedRows, labels: Labels, sections: JobSections, resume?: unknown): Promise<GuestOutcome>;
  host(rt: VerticalRuntime<Messages, unknown>, rows: PreparedRows, sections: JobSections, resume?: unknown): Promise<HostOutcome>;
  /** The same model on the guest's features alone, in plaintext (how much the partners add): logits of its rows. */
  alone(rows: PreparedRows, labels: Labels, sections: JobSections): { evaluation: Float64Array; population?: Float64Array };
  /** A shard this model wrote (`mapping` included), checked; FedmarkError-style Error naming `param` when it is not one. */
  scorer(shard: unknown, param: string): ScoringShard;
  /**
   * Where the parties' contributions become logits: 'coordinator' (by `combine`, the contributions
   * may be seen there), or 'guest' (by the guest shard's `walk`; the hosts seal theirs for the guest).
   */
  readonly combineAt: 'coordinator' | 'guest';
  /** Every party's contributions (guest first, `rows` rows each) into one logit per row: the models combined at the coordinator have it. */
  combine?(parts: readonly Float64Array[], rows: number): Float64Array;
}
