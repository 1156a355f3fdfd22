// The closed list of message kinds on the coordinator <-> party link, each with its body schema,
// and which kinds are requests answered by a reply (matched by the envelope's request number).
import type { Static, TSchema } from '@sinclair/typebox';
import { JobCancel, JobCheckpoint, JobDone, JobFailed, JobPause, JobPrepare, JobReady, JobStart } from './job.ts';
import { RelayDeliver, RelaySend } from './relay.ts';
import { JobApproval, JobReview } from './approval.ts';
import { ErrorReply } from './error.ts';
import { DatasetsList, DatasetsListed } from './dataset.ts';
import { HeDecrypt, HeKeys, HePlain, HeRefused, TrainProgress } from './train.ts';
import { ScoreAll, ScoreCombine, ScoreHandles, ScoreReply, ScoreRequest, ScoreSave, ScoreSaved } from './score.ts';
import { AudienceCutRequest, AudienceWritten, SeedsKeyed, SeedsKeyRequest, SeedsStore, SeedsStored } from './lookalike.ts';
import { CampaignAssign, CampaignAssigned, CampaignCounts, CampaignResultsRequest } from './campaign.ts';
import { HflAggregate, HflCollect, HflReport, HflSchema, HflUpload } from './horizontal.ts';
import { createCodec, type Frame, type Message } from '../envelope.ts';

export const BODY_SCHEMAS = {
  'job.prepare': JobPrepare,
  'job.ready': JobReady,
  'job.start': JobStart,
  'job.cancel': JobCancel,
  'job.pause': JobPause,
  'job.checkpoint': JobCheckpoint,
  'job.done': JobDone,
  'job.failed': JobFailed,
  'job.review': JobReview,
  'job.approval': JobApproval,
  'relay.send': RelaySend,
  'relay.deliver': RelayDeliver,
  'he.keys': HeKeys,
  'he.decrypt': HeDecrypt,
  'he.plain': HePlain,
  'he.refused': HeRefused,
  'train.progress': TrainProgress,
  'score.request': ScoreRequest,
  'score.reply': ScoreReply,
  'score.handles': ScoreHandles,
  'score.all': ScoreAll,
  'score.save': ScoreSave,
  'score.combine': ScoreCombine,
  'score.saved': ScoreSaved,
  'audience.cut': AudienceCutRequest,
  'audience.written': AudienceWritten,
  'seeds.key': SeedsKeyRequest,
  'seeds.keyed': SeedsKeyed,
  'seeds.store': SeedsStore,
  'seeds.stored': SeedsStored,
  'hfl.schema': HflSchema,
  'hfl.collect': HflCollect,
  'hfl.upload': HflUpload,
  'hfl.aggregate': HflAggregate,
  'hfl.report': HflReport,
  'datasets.list': DatasetsList,
  'datasets.listed': DatasetsListed,
  'campaign.assign': CampaignAssign,
  'campaign.assigned': CampaignAssigned,
  'campaign.results': CampaignResultsRequest,
  'campaign.counts': CampaignCounts,
  error: ErrorReply,
} as const satisfies Record<string, TSchema>;

export type MessageKind = keyof typeof BODY_SCHEMAS;
export type BodyOf<K extends MessageKind> = Static<(typeof BODY_SCHEMAS)[K]>;

/** Each request kind and the kind of its reply, which carries the request's number and a body or an error. */
export const REPLIES = {
  'score.request': 'score.reply',
  'score.handles': 'score.reply',
  'score.all': 'score.reply',
  'score.save': 'score.saved',
  'score.combine': 'score.reply',
  'audience.cut': 'audience.written',
  'seeds.key': 'seeds.keyed',
  'seeds.store': 'seeds.stored',
  'datasets.list': 'datasets.listed',
  'he.decrypt': 'he.plain',
  'campaign.assign': 'campaign.assigned',
  'campaign.results': 'campaign.counts',
} as const satisfies Partial<Record<MessageKind, MessageKind>>;
export type RequestKind = keyof typeof REPLIES;
export type ReplyKind = (typeof REPLIES)[RequestKind];
export type ReplyOf<K extends RequestKind> = (typeof REPLIES)[K];

const REPLY_KINDS: ReadonlySet<MessageKind> = new Set(Object.values(REPLIES));

export const linkCodec = createCodec(BODY_SCHEMAS, [...REPLY_KINDS] as ReplyKind[]);
export type LinkFrame = Frame<typeof BODY_SCHEMAS, ReplyKind>;
/** A frame of kind K with its body (not an error reply). */
export type LinkMessage<K extends MessageKind> = Message<typeof BODY_SCHEMAS, K>;

/** Whether `frame` answers a request (its kind is a reply kind). */
export function isReply(frame: LinkFrame): frame is Extract<LinkFrame, { kind: ReplyKind }> {
  return REPLY_KINDS.has(frame.kind);
}

/** Whether `frame` is a request (its kind is answered by a reply). */
export function isRequest(frame: LinkFrame): frame is Extract<LinkFrame, { kind: RequestKind }> {
  return Object.hasOwn(REPLIES, frame.kind);
}
