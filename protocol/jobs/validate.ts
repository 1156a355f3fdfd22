// Rules a job must meet beyond its schema: a name that is safe as a folder name, roles per kind,
// labels only where they are used, unique party ids. Returns the first problem as
// { field, reason } so callers can name the job file and the field.
import { Value } from '@sinclair/typebox/value';
import { firstError } from '../envelope.ts';
import { JobSpecSchema, TrainingSchema, type JobSpec, type Training } from '../messages/jobSpec.ts';
import { checkLookalike } from './lookalikeRules.ts';
import { FederationSchema, type Federation } from '../messages/horizontal.ts';
import { nameProblem } from './names.ts';
import { horizontalStrategyProblem } from './horizontalStrategy.ts';
import type { JobProblem } from './problem.ts';


export function checkJobSpec(input: unknown): { spec: JobSpec } | { problem: JobProblem } {
  // First, so a name that would escape a folder or overflow a file name is refused by name.
  if (typeof input === 'object' && input !== null && 'name' in input && typeof input.name === 'string') {
    const reason = nameProblem(input.name);
    if (reason) return { problem: { field: 'name', reason } };
  }
  // Defaults first (training settings), on a copy: the caller's object is left as it was.
  const value = Value.Default(JobSpecSchema, structuredClone(input));
  if (!Value.Check(JobSpecSchema, value)) {
    const first = Value.Errors(JobSpecSchema, value).First();
    return { problem: { field: first?.path.replace(/^\//, '').replaceAll('/', '.') || '(root)', reason: first ? first.message : firstError(JobSpecSchema, value) } };
  }
  const spec = value;
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
    return checkHorizontal(spec, input);
  }
  const member = roles.indexOf('member');
  if (member >= 0) return { problem: { field: `parties.${member}.role`, reason: `a ${spec.kind} job takes one guest and hosts, not members` } };
  if (guests !== 1) return { problem: { field: 'parties', reason: `a ${spec.kind} job needs exactly one guest, found ${guests}` } };
  // A host's labels would be read and counted (its job.ready reports label counts) but never used.
  const labelledHost = spec.parties.findIndex((p) => p.role === 'host' && p.data.labelColumn !== undefined);
  if (labelledHost >= 0) return { problem: { field: `parties.${labelledHost}.data.labelColumn`, reason: 'a host holds no labels in this job (only the guest\'s are used); remove it' } };
  const lookalike = checkLookalike(spec);
  if (lookalike) return { problem: lookalike };
  if (spec.federation !== undefined) return { problem: { field: 'federation', reason: 'only a horizontal job has a federation section' } };
  if (spec.model === 'mlp') return { problem: { field: 'model', reason: 'a vertical job trains model: logistic' } };
  if (spec.kind === 'vertical') {
    const guest = spec.parties.findIndex((p) => p.role === 'guest');
    if (spec.purpose !== 'lookalike' && spec.parties[guest]?.data.labelColumn === undefined) {
      return { problem: { field: `parties.${guest}.data.labelColumn`, reason: 'the guest of a vertical job holds the labels' } };
    }
    spec.model ??= 'logistic';
    spec.training ??= Value.Default(TrainingSchema, {}) as Training;
  }
  return { spec };
}

/** Horizontal: every member holds labels (or, lookalike, seeds); rounds and local epochs replace epochs. */
function checkHorizontal(spec: JobSpec, input: unknown): { spec: JobSpec } | { problem: JobProblem } {
  const lookalike = checkLookalike(spec);
  if (lookalike) return { problem: lookalike };
  const seeded = spec.purpose === 'lookalike';
  for (const [i, party] of spec.parties.entries()) {
    if (!seeded && party.data.labelColumn === undefined) return { problem: { field: `parties.${i}.data.labelColumn`, reason: 'every member of a horizontal job holds labels' } };
    if (party.data.categorical?.length) return { problem: { field: `parties.${i}.data.categorical`, reason: 'horizontal jobs take numeric features only in this version (members would have to agree on the categories)' } };
  }
  const given = (input as { training?: Record<string, unknown> }).training ?? {};
  for (const field of ['epochs', 'binning', 'earlyStopping'] as const) {
    if (field in given) return { problem: { field: `training.${field}`, reason: 'a horizontal job sets federation.rounds and federation.localEpochs instead' } };
  }
  if (spec.validation !== undefined) return { problem: { field: 'validation', reason: 'a horizontal job evaluates on each member\'s evaluation table' } };
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
