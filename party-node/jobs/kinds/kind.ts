// What a party node needs of a job kind (psi, vertical, horizontal): each kind is a plug-in with one
// start module behind one interface. prepare() checks and loads what the kind needs before the
// party reports ready; the job it returns holds the kind's own state and is driven by the node
// (node.ts, a dispatcher): start() at job.start, deliver() for the kind's sealed messages from
// peers, onFrame() for its messages from the coordinator, halt() when the job stops here.
import type { Logger } from 'pino';
import type { Channel } from '../../../protocol/e2e/channel.ts';
import type { JobPrepareBody } from '../../../protocol/messages/job.ts';
import type { BodyOf, LinkFrame } from '../../../protocol/messages/index.ts';
import type { BlindingPool } from '../../../protocol/psi/pool.ts';
import type { PartyConfig } from '../../config.ts';
import type { DataCatalogue } from '../../data/catalogue.ts';
import type { Dataset } from '../../data/dataset.ts';
import type { CoordinatorLink } from '../../link.ts';
import type { PartyPolicy } from '../../policy.ts';
import type { JobCheckpoints } from '../checkpoint.ts';
import type { Topic } from '../topics.ts';

/** One job at this party, as the node prepared it. */
export interface PrepareContext {
  job: string;
  attempt: number;
  prepare: JobPrepareBody;
  dataset: Dataset;
  evaluation?: Dataset;
  config: PartyConfig;
  catalogue: DataCatalogue;
  policy: PartyPolicy;
  link: CoordinatorLink;
  checkpoints: JobCheckpoints;
  pool: BlindingPool;
  /** Aborted when the job is paused, cancelled, superseded by a newer attempt or failed here. */
  signal: AbortSignal;
  log: Logger;
}

export type StartPeer = BodyOf<'job.start'>['peers'][number] & { publicKey: Uint8Array };

/** What job.start brings: the peers (their keys checked against the pins) and the channels to them. */
export interface StartContext {
  peers: readonly StartPeer[];
  channels: ReadonlyMap<string, Channel>;
  /** With a resumed attempt: the stored PSI result and epochs to continue from. */
  resume: BodyOf<'job.start'>['resume'];
  /** Seals `frame` to `peer` on `topic` and sends it through the coordinator's relay. */
  relay(peer: string, topic: Topic, frame: Uint8Array): void;
}

export interface PartyKindJob {
  /**
   * Runs this party's part from job.start to its end; resolves with job.done's body, or undefined
   * when the kind reports its end itself. It sets up its conversations before its first await:
   * peer messages that arrived before job.start are delivered right after it is called.
   */
  start(ctx: StartContext): Promise<BodyOf<'job.done'> | undefined>;
  /** A sealed message from a peer on one of the kind's topics. */
  deliver(from: string, topic: Topic, frame: Uint8Array): void;
  /** A frame from the coordinator for this job; false when the kind does not take it. */
  onFrame(frame: LinkFrame): boolean;
  /** The job stopped here: every wait of its loops fails with `reason`. */
  halt(reason: Error): void;
}

export interface PartyKind {
  readonly kind: JobPrepareBody['kind'];
  /** Checks and loads what the kind needs before job.ready; FedmarkError when this party cannot take part. */
  prepare(ctx: PrepareContext): Promise<PartyKindJob>;
}
