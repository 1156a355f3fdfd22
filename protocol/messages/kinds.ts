// What each job kind adds to a job, declared once: the sections of the job file a kind takes
// (and, for a vertical job, those its model takes: models/vertical/registry.ts). The job file's
// schema (jobSpec.ts) and the job.prepare message (job.ts) are both built from these, so a setting
// is added in one place and reaches the parties.
import { Type, type TProperties } from '@sinclair/typebox';
import { VERTICAL_MODELS, type VerticalModelName } from '../../models/vertical/registry.ts';
import { TrainingSchema } from './training.ts';
import { FederationSchema } from './horizontal.ts';
import { LookalikeSchema, PurposeSchema } from './lookalike.ts';

export const JOB_KINDS = ['psi', 'vertical', 'horizontal'] as const;
export const JobKind = Type.Union(JOB_KINDS.map((k) => Type.Literal(k)));
export type JobKindName = (typeof JOB_KINDS)[number];

export const HorizontalModelName = Type.Union([Type.Literal('logistic'), Type.Literal('mlp')]);

/** A hash split of the intersection into training and evaluation rows (vertical jobs without evaluation tables). */
export const ValidationSchema = Type.Object(
  { fraction: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.3 }) },
  { additionalProperties: false },
);

const lookalikeSections = { purpose: Type.Optional(PurposeSchema), lookalike: Type.Optional(LookalikeSchema) };

export const PSI_SECTIONS = {} satisfies TProperties;

export const HORIZONTAL_SECTIONS = {
  model: Type.Optional(HorizontalModelName),
  training: Type.Optional(TrainingSchema),
  federation: Type.Optional(FederationSchema),
  ...lookalikeSections,
} satisfies TProperties;

function verticalSections<N extends string, S extends TProperties>(name: N, settings: S) {
  return { model: Type.Optional(Type.Literal(name)), ...settings, validation: Type.Optional(ValidationSchema), ...lookalikeSections };
}

type VerticalSections = { [N in VerticalModelName]: ReturnType<typeof verticalSections<N, (typeof VERTICAL_MODELS)[N]['settings']>> };

/** Per vertical model, the sections of a vertical job that trains it. */
export const VERTICAL_SECTIONS = Object.fromEntries(
  Object.values(VERTICAL_MODELS).map((model) => [model.name, verticalSections(model.name, model.settings)]),
  // One entry per registered model, built by verticalSections from the model's own name and settings.
) as VerticalSections;
