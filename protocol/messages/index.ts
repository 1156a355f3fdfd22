// The closed list of message kinds on the coordinator <-> party link, each with its body schema.
import type { Static, TSchema } from '@sinclair/typebox';
import { JobCancel, JobCheckpoint, JobDone, JobFailed, JobPause, JobPrepare, JobReady, JobStart } from './job.ts';
import { RelayDeliver, RelaySend } from './relay.ts';
import { ErrorReply } from './error.ts';
import { DatasetsList, DatasetsListed } from './dataset.ts';
import { HeDecrypt, HeKeys, HePlain, HeRefused, TrainProgress } from './train.ts';
import { ScoreAll, ScoreHandles, ScoreReply, ScoreRequest, ScoreSave, ScoreSaved } from './score.ts';
import { AudienceCutRequest, AudienceWritten, SeedsKeyed, SeedsKeyRequest, SeedsStore, SeedsStored } from './lookalike.ts';
import { HflAggregate, HflCollect, HflReport, HflSchema, HflUpload } from './horizontal.ts';
import { createCodec, type Frame } from '../envelope.ts';

export const BODY_SCHEMAS = {
  'job.prepare': JobPrepare,
  'job.ready': JobReady,
  'job.start': JobStart,
  'job.cancel': JobCancel,
  'job.pause': JobPause,
  'job.checkpoint': JobCheckpoint,
  'job.done': JobDone,
  'job.failed': JobFailed,
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
  error: ErrorReply,
} as const satisfies Record<string, TSchema>;

export type MessageKind = keyof typeof BODY_SCHEMAS;
export type BodyOf<K extends MessageKind> = Static<(typeof BODY_SCHEMAS)[K]>;

export const linkCodec = createCodec(BODY_SCHEMAS);
export type LinkFrame = Frame<typeof BODY_SCHEMAS>;
