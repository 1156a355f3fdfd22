// Lookalike jobs (purpose: lookalike): the seed list the guest holds, the audience settings, what
// the guest reports (aggregates only: counts, recalls, a score histogram, where the audience file
// is) and the request to re-cut the audience at another size. Seed and audience IDs never travel.
//   coordinator -> guest: audience.cut;  guest -> coordinator: audience.written
import { Type, type Static } from '@sinclair/typebox';
import { KeyEndorsementSchema } from './identity.ts';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });
const Column = Type.String({ minLength: 1, maxLength: 256 });

export const PurposeSchema = Type.Union([Type.Literal('propensity'), Type.Literal('lookalike')]);
export type Purpose = Static<typeof PurposeSchema>;

export const UploadName = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });

/**
 * The seed audience: a CSV at the guest with one ID column (other columns are ignored), either a
 * file under the guest's data roots (`path`) or one uploaded through the API (`upload`: its name).
 */
export const SeedsSchema = Type.Object(
  {
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    upload: Type.Optional(UploadName),
    idColumn: Column,
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
  },
  { additionalProperties: false },
);
export type Seeds = Static<typeof SeedsSchema>;

export const LookalikeSchema = Type.Object(
  {
    /** Share of the candidates (the population minus the seeds) in the audience; default 0.2. */
    audienceFraction: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    /** Or a number of customers. */
    audienceSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    /** Share of the matched seeds held out of training to measure recall. */
    holdout: Type.Number({ exclusiveMinimum: 0, maximum: 0.9, default: 0.2 }),
    /** Fewer matched seeds than this fail the job. */
    minSeeds: Type.Integer({ minimum: 2, maximum: 100_000_000, default: 50 }),
  },
  { additionalProperties: false },
);
export type Lookalike = Static<typeof LookalikeSchema>;

export const RecallRow = Type.Object({
  fraction: Type.Number(), size: Int, recall: Type.Number(), lift: Type.Number(),
  guestOnlyRecall: Type.Number(), guestOnlyLift: Type.Number(),
}, { additionalProperties: false });

export const AudienceFile = Type.Object({ path: Type.String({ maxLength: 4096 }), size: Int }, { additionalProperties: false });

/** What the guest reports about a lookalike job. */
export const LookalikeReport = Type.Object(
  {
    seeds: Type.Object({ listed: Int, matched: Int, training: Int, heldOut: Int }, { additionalProperties: false }),
    population: Int,
    /** Everyone in the population but the training seeds: the pool the recalls rank. */
    ranked: Int,
    recall: Type.Array(RecallRow, { maxItems: 20 }),
    scoreDistribution: Type.Array(Type.Object({ from: Type.Number(), to: Type.Number(), count: Int, positives: Int }, { additionalProperties: false }), { maxItems: 100 }),
    audience: AudienceFile,
  },
  { additionalProperties: false },
);
export type LookalikeReport = Static<typeof LookalikeReport>;

export const AudienceCutRequest = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    modelJob: Type.String({ minLength: 1, maxLength: 128 }),
    audienceFraction: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    audienceSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
  },
  { additionalProperties: false },
);

/**
 * Coordinator -> party: your public key for sealed seed uploads. Reply seeds.keyed, payload: the
 * 32-byte key; `endorsement`: the party identity's signature over it,
 * which the uploader checks against the party's fingerprint before sealing anything to the key.
 */
export const SeedsKeyRequest = Type.Object({}, { additionalProperties: false });
export const SeedsKeyed = Type.Object({ endorsement: KeyEndorsementSchema }, { additionalProperties: false });
/** Coordinator -> party: store this seed list as `name`. Payload: the CSV sealed to the party's key (the coordinator cannot read it). */
export const SeedsStore = Type.Object({ name: UploadName }, { additionalProperties: false });
export const SeedsStored = Type.Object({ rows: Int }, { additionalProperties: false });

export const AudienceWritten = Type.Object({ path: Type.String({ maxLength: 4096 }), size: Int }, { additionalProperties: false });

/**
 * The lookalike figures as flat metrics for the job result and model list: recallAt20 (held-out
 * seeds in the top 20%), liftAt20, guestOnlyRecallAt20, …, seedsMatched, audienceSize.
 */
export function lookalikeMetrics(report: LookalikeReport): Record<string, number> {
  const out: Record<string, number> = { seedsMatched: report.seeds.matched, seedsHeldOut: report.seeds.heldOut, audienceSize: report.audience.size };
  for (const r of report.recall) {
    const k = Math.round(r.fraction * 100);
    Object.assign(out, { [`recallAt${k}`]: r.recall, [`liftAt${k}`]: r.lift, [`guestOnlyRecallAt${k}`]: r.guestOnlyRecall });
  }
  return out;
}
