// What a job is, seen from one party: its purpose, its model, the partners and the columns it will
// use from this party. The approval rules, the policy and the compliance officer's view all read
// the job through these facts, so each says the same about the same job.
import { Type, type Static } from '@sinclair/typebox';
import { Role, type JobPrepareBody } from '../../protocol/messages/job.ts';
import { DEFAULT_VERTICAL_MODEL } from '../../models/vertical/registry.ts';

const Column = Type.String({ maxLength: 256 });

/** `intersection` for a PSI job; `propensity` unless the job says lookalike. */
export type JobPurpose = 'intersection' | 'propensity' | 'lookalike';

export const JobFactsSchema = Type.Object(
  {
    name: Type.String({ maxLength: 256 }),
    purpose: Type.Union([Type.Literal('intersection'), Type.Literal('propensity'), Type.Literal('lookalike')]),
    /** kind/model: psi, vertical/logistic, vertical/gbdt, horizontal/logistic, horizontal/mlp. */
    model: Type.String({ maxLength: 64 }),
    role: Role,
    partners: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }),
    /** The dataset named (a catalogue name, or a path under `fedmark simulate`). */
    dataset: Type.String({ maxLength: 4096 }),
    /** Every column the job names at this party, by use. */
    columns: Type.Object(
      {
        id: Type.Optional(Column), label: Type.Optional(Column), consent: Type.Optional(Column),
        features: Type.Optional(Type.Array(Column, { maxItems: 100_000 })), categorical: Type.Optional(Type.Array(Column, { maxItems: 100_000 })),
      },
      { additionalProperties: false },
    ),
    /** False when the job lists no features: it then uses every other column of the table. */
    featuresListed: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type JobFacts = Static<typeof JobFactsSchema>;

export function jobPurpose(prepare: JobPrepareBody): JobPurpose {
  if (prepare.kind === 'psi') return 'intersection';
  return prepare.purpose ?? 'propensity';
}

export function jobModel(prepare: JobPrepareBody): string {
  if (prepare.kind === 'psi') return 'psi';
  if (prepare.kind === 'vertical') return `vertical/${prepare.model ?? DEFAULT_VERTICAL_MODEL}`;
  return `horizontal/${prepare.model ?? 'logistic'}`;
}

export function jobFacts(prepare: JobPrepareBody): JobFacts {
  const d = prepare.dataset;
  const columns: JobFacts['columns'] = {};
  if (d.idColumn !== undefined) columns.id = d.idColumn;
  if (d.labelColumn !== undefined) columns.label = d.labelColumn;
  if (d.consentColumn !== undefined) columns.consent = d.consentColumn;
  if (d.features !== undefined) columns.features = [...d.features];
  if (d.categorical !== undefined) columns.categorical = [...d.categorical];
  return {
    name: prepare.name, purpose: jobPurpose(prepare), model: jobModel(prepare), role: prepare.role,
    partners: prepare.peers.map((p) => p.id), dataset: d.dataset ?? d.path ?? '(the catalogue default)', columns,
    featuresListed: prepare.kind === 'psi' || d.features !== undefined,
  };
}

/** Every column the job names (a PSI job's, or one listing its features: every column it uses). */
export function namedColumns(facts: JobFacts): string[] {
  const c = facts.columns;
  return [c.id, c.label, c.consent, ...(c.features ?? []), ...(c.categorical ?? [])].filter((x): x is string => x !== undefined);
}
