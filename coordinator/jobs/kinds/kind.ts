// What the job runner needs of a job kind (psi, vertical, horizontal): each kind is a plug-in that
// says what its parties get in job.prepare, what it sets up once they are ready, how it handles
// its own messages while it runs, and how it builds the job's result (and model card). The runner
// (runner.ts) owns the rest: attempts, job.ready, the relay, job.start, pausing, resuming, cancel.
import type { Logger } from 'pino';
import type { JobPrepareBody } from '../../../protocol/messages/job.ts';
import type { JobParty, JobResult, JobSpec } from '../../../protocol/messages/jobSpec.ts';
import type { LinkFrame, LinkMessage } from '../../../protocol/messages/index.ts';
import type { TrainProgress } from '../../../protocol/messages/train.ts';
import type { PartyLinks } from '../../links.ts';
import type { Store } from '../../store.ts';
import type { ResumePoint } from '../resume.ts';

/** What every party gets in job.prepare, whatever the kind. */
export type PrepareCommon = Pick<JobPrepareBody, 'name' | 'role' | 'dataset' | 'evaluation' | 'peers' | 'attempt'>;

/** One attempt of one job, as the runner hands it to the job's kind. */
export interface AttemptContext {
  job: string;
  attempt: number;
  links: PartyLinks;
  store: Store;
  log: Logger;
  stepTimeoutMs: number;
  /** Every party's job.ready. */
  ready: ReadonlyMap<string, LinkMessage<'job.ready'>>;
  /** Where this attempt resumes from, if it does. */
  resume: ResumePoint | undefined;
  /** Waits for one frame of `kind` from every party; a party's job.failed fails the step. */
  fromEach<K extends 'job.done'>(kind: K): Promise<Map<string, LinkMessage<K>>>;
  /** Live progress for the CLI and simulate. */
  progress(p: TrainProgress): void;
  /** The job shows it is alive: its waits start their deadlines again. */
  alive(): void;
  /** Ends the attempt's waits with `err` (a party broke the protocol). */
  abort(err: Error): void;
}

/** A started attempt, as its kind runs it. */
export interface KindRun {
  /** Runs the attempt to its end once every party has job.start; resolves with the job's result. */
  run(): Promise<JobResult>;
  /** One of the kind's own messages from a party during the attempt; true when it was handled. */
  onFrame?(party: string, frame: LinkFrame): boolean;
  /** The attempt ended, whichever way: release what it holds. */
  dispose?(): void;
}

/** A job bound to its kind. */
export interface KindJob {
  /** The whole job.prepare body for `party`. */
  prepare(party: JobParty, common: PrepareCommon): JobPrepareBody;
  /** Sets up one attempt once every party is ready (before job.start). */
  open(ctx: AttemptContext): Promise<KindRun>;
}

export interface JobKindPlugin {
  readonly kind: JobSpec['kind'];
  /** The plug-in's view of `spec`; undefined when the job is of another kind. */
  attach(spec: JobSpec): KindJob | undefined;
}
