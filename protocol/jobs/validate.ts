// Rules a job must meet beyond its schema: a name that is safe as a folder name, roles per kind,
// labels only where they are used, unique party ids. Returns the first problem as
// { field, reason } so callers can name the job file and the field. The schema is the variant of
// the job's kind (and, for a vertical job, its model), so a problem is named by its own field
// rather than by a union of every kind's.
import { Value } from '@sinclair/typebox/value';
import type { TObject } from '@sinclair/typebox';
import { firstError } from '../envelope.ts';
import { HorizontalJobSpecSchema, PsiJobSpecSchema, TrainingSchema, VerticalJobSpecSchemas, type HorizontalJobSpec, type JobSpec, type Training, type VerticalJobSpec } from '../messages/jobSpec.ts';
import { JOB_KINDS } from '../messages/kinds.ts';
import { DEFAULT_VERTICAL_MODEL, VERTICAL_MODELS, verticalModel } from '../../models/vertical/registry.ts';
import { checkLookalike } from './lookalikeRules.ts';
import { FederationSchema, type Federation } from '../messages/horizontal.ts';
import { nameProblem } from './names.ts';
import { horizontalStrategyProblem } from './horizontalStrategy.ts';
import type { JobProblem } from './problem.ts';

/** Sections another kind takes, and what to say when a job of this kind gives one. */
const FOREIGN: Record<string, (kind: string) => string> = {
  federation: () => 'only a horizontal job has a federation section',
  purpose: (kind) => `a lookalike job is vertical or horizontal (kind ${kind})`,
  seeds: (kind) => kind === 'horizontal' ? 'a horizontal lookalike takes each member\'s own seed list: parties.N.seeds, not a top-level seeds' : 'seeds go with purpose: lookalike',
  lookalike: () => 'lookalike settings go with purpose: lookalike',
  validation: (kind) => kind === 'horizontal' ? 'a horizontal job evaluates on each member\'s evaluation table' : 'only a vertical job splits its intersection for evaluation',
  model: () => 'a PSI job trains no model',
  training: () => 'a PSI job trains no model',
};

export function checkJobSpec(input: unknown): { spec: JobSpec } | { problem: JobProblem } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { problem: { field: '(root)', reason: 'a job is an object with name, kind and parties' } };
  const raw = input as Record<string, unknown>;
  // First, so a name that would escape a folder or overflow a file name is refused by name.
  if (typeof raw.name === 'string') {
    const reason = nameProblem(raw.name);
    if (reason) return { problem: { field: 'name', reason } };
  }
  const kind = raw.kind;
  if (!JOB_KINDS.includes(kind as (typeof JOB_KINDS)[number])) return { problem: { field: 'kind', reason: `expected one of ${JOB_KINDS.join(', ')}` } };
  const variant = variantOf(kind as JobSpec['kind'], raw);
  if ('problem' in variant) return variant;
  const { schema } = variant;
  for (const field of Object.keys(raw)) {
    if (!(field in schema.properties) && field in FOREIGN) return { problem: { field, reason: (FOREIGN[field] as (k: string) => string)(kind as string) } };
  }
  // Defaults first (training settings), on a copy: the caller's object is left as it was.
  const value: unknown = Value.Default(schema, withLookalikeTraining(structuredClone(raw)));
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    return { problem: { field: first?.path.replace(/^\//, '').replaceAll('/', '.') || '(root)', reason: first ? first.message : firstError(schema, value) } };
  }
  // Checked against the variant of its own kind just above.
  const spec = value as JobSpec;
  const seen = new Set<string>();
  for (const [i, party] of spec.parties.entries()) {
    if (seen.has(party.id)) return { problem: { field: `parties.${i}.id`, reason: `party id "${party.id}" is listed twice` } };
    seen.add(party.id);
    const source = checkSource(party.data, `parties.${i}.data`) ?? (party.evaluation ? checkSource(party.evaluation, `parties.${i}.evaluation`) : undefined);
    if (source) return { problem: source };
  }
  const withEval = spec.parties.filter((p) => p.evaluation !== undefined).length;
  if (withEval > 0 && withEval < spec.parties.length) {
    const i = spec.parties.findIndex((p) => p.evaluation === undefined);
    return { problem: { field: `parties.${i}.evaluation`, reason: 'either every party gives an evaluation table or none does' } };
  }
  const roles = spec.parties.map((p) => p.role);
  const guests = roles.filter((r) => r === 'guest').length;
  if (spec.kind === 'horizontal') {
    const i = roles.findIndex((r) => r !== 'member');
    if (i >= 0) return { problem: { field: `parties.${i}.role`, reason: 'a horizontal job takes parties with role member' } };
    return checkHorizontal(spec, raw);
  }
  const member = roles.indexOf('member');
  if (member >= 0) return { problem: { field: `parties.${member}.role`, reason: `a ${spec.kind} job takes one guest and hosts, not members` } };
  if (guests !== 1) return { problem: { field: 'parties', reason: `a ${spec.kind} job needs exactly one guest, found ${guests}` } };
  // A host's labels would be read and counted (its job.ready reports label counts) but never used.
  const labelledHost = spec.parties.findIndex((p) => p.role === 'host' && p.data.labelColumn !== undefined);
  if (labelledHost >= 0) return { problem: { field: `parties.${labelledHost}.data.labelColumn`, reason: 'a host holds no labels in this job (only the guest\'s are used); remove it' } };
  const seeded = spec.parties.findIndex((p) => p.seeds);
  if (spec.kind === 'psi') {
    if (seeded >= 0) return { problem: { field: `parties.${seeded}.seeds`, reason: 'seeds go with purpose: lookalike' } };
    return { spec };
  }
  return checkVertical(spec);
}

/** The schema of the job's kind; for a vertical job, of its model (default: logistic). */
function variantOf(kind: JobSpec['kind'], raw: Record<string, unknown>): { schema: TObject } | { problem: JobProblem } {
  if (kind === 'psi') return { schema: PsiJobSpecSchema };
  if (kind === 'horizontal') return { schema: HorizontalJobSpecSchema };
  const model = raw.model ?? DEFAULT_VERTICAL_MODEL;
  const names = Object.keys(VERTICAL_MODELS);
  const i = names.indexOf(model as string);
  if (i < 0) return { problem: { field: 'model', reason: `a vertical job trains model: ${names.join(' or ')}` } };
  return { schema: VerticalJobSpecSchemas[i] as TObject };
}

/** A vertical lookalike job's training section over its model's lookalike defaults (the job's own settings win). */
function withLookalikeTraining(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.kind !== 'vertical' || raw.purpose !== 'lookalike') return raw;
  // The model was found by variantOf.
  const defaults = verticalModel(raw.model as string | undefined).lookalikeTraining;
  if (!defaults) return raw;
  const given = raw.training;
  // A training section that is not an object is left for the schema to refuse by name.
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) return raw;
  return { ...raw, training: { ...defaults, ...given } };
}

function checkVertical(spec: VerticalJobSpec): { spec: JobSpec } | { problem: JobProblem } {
  const lookalike = checkLookalike(spec);
  if (lookalike) return { problem: lookalike };
  const guest = spec.parties.findIndex((p) => p.role === 'guest');
  if (spec.purpose !== 'lookalike' && spec.parties[guest]?.data.labelColumn === undefined) {
    return { problem: { field: `parties.${guest}.data.labelColumn`, reason: 'the guest of a vertical job holds the labels' } };
  }
  spec.model ??= DEFAULT_VERTICAL_MODEL;
  // The model's own training section, its defaults filled in (each model declares its settings).
  spec.training ??= Value.Default(VERTICAL_MODELS[spec.model].settings.training, {}) as VerticalJobSpec['training'];
  return { spec };
}

/** Horizontal: every member holds labels (or, lookalike, seeds); rounds and local epochs replace epochs. */
function checkHorizontal(spec: HorizontalJobSpec, input: Record<string, unknown>): { spec: JobSpec } | { problem: JobProblem } {
  const lookalike = checkLookalike(spec);
  if (lookalike) return { problem: lookalike };
  const seeded = spec.purpose === 'lookalike';
  for (const [i, party] of spec.parties.entries()) {
    if (!seeded && party.data.labelColumn === undefined) return { problem: { field: `parties.${i}.data.labelColumn`, reason: 'every member of a horizontal job holds labels' } };
    if (party.data.categorical?.length) return { problem: { field: `parties.${i}.data.categorical`, reason: 'horizontal jobs take numeric features only in this version (members would have to agree on the categories)' } };
  }
  const given = (typeof input.training === 'object' && input.training !== null ? input.training : {});
  for (const field of ['epochs', 'binning', 'earlyStopping'] as const) {
    if (field in given) return { problem: { field: `training.${field}`, reason: 'a horizontal job sets federation.rounds and federation.localEpochs instead' } };
  }
  const noEval = spec.parties.findIndex((p) => p.evaluation === undefined);
  if (!seeded && noEval >= 0) return { problem: { field: `parties.${noEval}.evaluation`, reason: 'every member of a horizontal job gives an evaluation table (it may be a common test set)' } };
  spec.model ??= 'logistic';
  spec.training ??= Value.Default(TrainingSchema, {}) as Training;
  spec.federation ??= Value.Default(FederationSchema, {}) as Federation;
  // Every member decrypts each sum: from a sum of two, each contributor reads the other's update
  // (the sum minus its own). Only member-level DP noise makes that acceptable.
  if (spec.federation.minMembers < 3 && spec.federation.dp === undefined) {
    return { problem: { field: 'federation.minMembers', reason: `${spec.federation.minMembers}: every member decrypts each aggregate, and from a sum of two contributions each contributor reads the other's update; use 3 or more (2 only with dp, and members whose policy sets minAggregateContributors: 2)` } };
  }
  if (spec.federation.minMembers > spec.parties.length) {
    return { problem: { field: 'federation.minMembers', reason: `${spec.federation.minMembers} is more than the ${spec.parties.length} members` } };
  }
  // With dp no loss is pooled, so nothing can stop the job early: every round spends privacy, and
  // the default cap (meant for a rule to stop well before it) would spend far too much.
  const federation = (input as { federation?: Record<string, unknown> }).federation ?? {};
  if (spec.federation.dp !== undefined && !('rounds' in federation)) {
    return { problem: { field: 'federation.rounds', reason: 'with dp no evaluation loss is pooled to stop on, so the job runs every round and each one spends privacy: give the number of rounds' } };
  }
  if (spec.federation.dp !== undefined && 'stopping' in federation) {
    return { problem: { field: 'federation.stopping', reason: 'with dp no evaluation loss is pooled to stop on: the job runs federation.rounds rounds' } };
  }
  const strategy = horizontalStrategyProblem(spec.federation, spec.training);
  if (strategy) return { problem: strategy };
  return { spec };
}

/** A table is named by its dataset in the party's catalogue, or (fedmark simulate) by a path: one of the two. */
function checkSource(table: { dataset?: string; path?: string; idColumn?: string }, field: string): JobProblem | undefined {
  if (table.dataset !== undefined && table.path !== undefined) return { field, reason: 'give dataset or path, not both' };
  if (table.dataset === undefined && table.path === undefined) return { field, reason: 'name a dataset of the party (dataset: NAME)' };
  // A catalogue dataset may give its ID column; a bare file cannot.
  if (table.path !== undefined && field.endsWith('.data') && table.idColumn === undefined) return { field: `${field}.idColumn`, reason: 'a table named by path needs its ID column' };
  return undefined;
}
