// The one format of a party's model file, kept at its own premises and never sent: a header that
// says which job made it, of which kind, which model, the party's role and the table it was
// trained on, then what the kind keeps. A vertical model file holds the party's part of the model
// (its feature mapping and what the model's own shard holds, checked by the model's scorer); a
// horizontal one the whole model of a member. The scorer of the kind the coordinator names reads
// it, and refuses a file of another kind.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError } from '../../errors/table.ts';
import { firstError } from '../../protocol/envelope.ts';
import { DatasetSpecSchema } from '../../protocol/messages/dataset.ts';
import { workPath } from '../workPath.ts';

const Job = Type.String({ minLength: 1, maxLength: 128 });
/** The source columns a model reads, in training order, and which of them are one-hot encoded. */
const SourceColumns = {
  columns: Type.Array(Type.String({ minLength: 1 })),
  categorical: Type.Array(Type.String({ minLength: 1 })),
};

export const VerticalModelFileSchema = Type.Object({
  job: Job,
  kind: Type.Literal('vertical'),
  /** A vertical model of models/vertical/registry.ts. */
  model: Type.String({ minLength: 1, maxLength: 64 }),
  role: Type.Union([Type.Literal('guest'), Type.Literal('host')]),
  dataset: DatasetSpecSchema,
  /** The party's feature mapping (the model's own format). */
  mapping: Type.Unknown(),
  /**
   * The source columns the model reads and its input names after one-hot, in training order:
   * scoring reads only these columns of the current table and matches inputs by name. Absent
   * from files written before it was kept: those read every column of the job's table.
   */
  inputs: Type.Optional(Type.Object({ ...SourceColumns, names: Type.Array(Type.String({ minLength: 1 })) })),
});
export type VerticalModelFile = Static<typeof VerticalModelFileSchema> & Readonly<Record<string, unknown>>;

export const HorizontalModelFileSchema = Type.Object({
  job: Job,
  kind: Type.Literal('horizontal'),
  role: Type.Literal('member'),
  dataset: DatasetSpecSchema,
  /** As a vertical file's `inputs`; the input names are `features`. Absent from older files. */
  inputs: Type.Optional(Type.Object(SourceColumns)),
  model: Type.Union([
    Type.Object({ kind: Type.Literal('logistic'), features: Type.Integer({ minimum: 1 }) }),
    Type.Object({ kind: Type.Literal('mlp'), layers: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 3 }), activation: Type.Literal('relu'), output: Type.Literal('sigmoid') }),
  ]),
  features: Type.Array(Type.String()),
  standardizer: Type.Unknown(),
  params: Type.Array(Type.Number()),
});
export type HorizontalModelFile = Static<typeof HorizontalModelFileSchema>;

const SCHEMAS = { vertical: VerticalModelFileSchema, horizontal: HorizontalModelFileSchema } as const;
type FileOf<K extends keyof typeof SCHEMAS> = K extends 'vertical' ? VerticalModelFile : HorizontalModelFile;

export function shardPath(workDir: string, model: string, job: string): string {
  return workPath(workDir, 'models', model, `${job}.json`);
}

/** Writes this party's part of a vertical model. */
export async function writeVerticalModel(workDir: string, name: string, body: VerticalModelFile): Promise<void> {
  const file = shardPath(workDir, name, body.job);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(body), { mode: 0o600 });
}

/** The model file of `name` from job `job`, which must be of `kind`. */
export async function readModelFile<K extends keyof typeof SCHEMAS>(workDir: string, name: string, job: string, party: string, kind: K): Promise<FileOf<K>> {
  const path = shardPath(workDir, name, job);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version: `of job ${job} (party ${party} has no readable model file)` }, { cause: err });
  }
  const param = `model file of ${name} at party ${party}`;
  const found = typeof parsed === 'object' && parsed !== null ? (parsed as { kind?: unknown }).kind : undefined;
  if (found !== kind) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: `a ${kind} model`, got: typeof found === 'string' ? `a ${found} model` : 'a file without a kind' });
  const schema = SCHEMAS[kind];
  if (!Value.Check(schema, parsed)) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: `a fedmark ${kind} model file`, got: firstError(schema, parsed) });
  // Checked against the schema of its kind just above.
  return parsed as FileOf<K>;
}
