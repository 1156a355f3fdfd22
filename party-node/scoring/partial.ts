// Federated scoring at a party (design note protocols.md, "Federated inference"): for the IDs asked,
// the party's contribution under its part of a vertical model (for a linear model its partial score
// u_p = mapping(x)·w_p, plus the intercept at the guest), computed from its own table. IDs it does
// not hold and rows without consent are never scored; the two are told apart here for the party's
// own log only. Only the contributions leave, to be combined by the coordinator.
import { normalizeId, type Dataset } from '../data/dataset.ts';
import { matrix } from '../../models/matrix.ts';
import type { ScoringShard } from '../../models/vertical/model.ts';
import { IdRowIndex } from '../data/idHash.ts';
import { inputRows } from './inputRows.ts';
import { topTerms } from '../../models/explain/reasons.ts';
import { FedmarkError } from '../../errors/table.ts';

/** Normalised ID → consenting row of the party's table. */
export interface RowIndex {
  get(normalisedId: string): number | undefined;
}

export interface PartialScores {
  /** `width` values per ID asked, NaN where the ID is not scored. */
  scores: Float64Array;
  width: number;
  /** 1 where the ID is scored. */
  known: Uint8Array;
  /** Positions of IDs whose row exists but has no consent. */
  noConsent: number[];
}

/** Where the asked IDs are in the party's table: the consenting rows found, in the order asked. */
export interface RowLookup {
  /** 1 where the ID is a consenting row. */
  known: Uint8Array;
  /** Table rows of the known IDs, in the order asked. */
  rows: number[];
  /** Positions of IDs whose row exists but has no consent. */
  noConsent: number[];
}

export function lookupRows(dataset: Dataset, rowOf: RowIndex, ids: readonly string[], idCaseSensitive: boolean): RowLookup {
  const known = new Uint8Array(ids.length);
  const rows: number[] = [];
  const noConsent: number[] = [];
  ids.forEach((id, i) => {
    const normalised = normalizeId(id, idCaseSensitive);
    const row = rowOf.get(normalised);
    if (row === undefined) {
      if (dataset.withoutConsent.has(normalised)) noConsent.push(i);
      return;
    }
    known[i] = 1;
    rows.push(row);
  });
  return { known, rows, noConsent };
}

/** The model's raw input columns (as in training) of table rows `rows`. */
export function modelRows(dataset: Dataset, rows: readonly number[], inputs?: readonly string[]) {
  return matrix(inputRows(dataset, rows, inputs), rows.length, inputs?.length ?? dataset.featureNames.length);
}

/**
 * The party's contributions for `ids` under `scorer`, from its raw feature columns (as in
 * training), matched to the model's input names when given (inputRows.ts).
 */
export function contributions(scorer: ScoringShard, dataset: Dataset, rowOf: RowIndex, ids: readonly string[], idCaseSensitive: boolean, inputs?: readonly string[]): PartialScores {
  const { known, rows, noConsent } = lookupRows(dataset, rowOf, ids, idCaseSensitive);
  const { width } = scorer;
  const values = scorer.contribution(modelRows(dataset, rows, inputs));
  const scores = new Float64Array(ids.length * width).fill(Number.NaN);
  let k = 0;
  for (let i = 0; i < ids.length; i++) {
    if (!known[i]) continue;
    scores.set(values.subarray(k * width, (k + 1) * width), i * width);
    k++;
  }
  return { scores, width, known, noConsent };
}

/** The scorer's reason codes, or the refusal of a model file without them (trained before they existed). */
export function reasonsOf(scorer: ScoringShard, model: string, party: string): NonNullable<ScoringShard['reasons']> {
  if (!scorer.reasons) throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'reasons', reason: `model ${model} has no reason codes at party ${party} (its model file was written before they existed, or its kind gives none); retrain it` });
  return scorer.reasons;
}

/**
 * Reason codes at this party (only when asked: scoring without them does none of this): per ID,
 * its `top` largest feature terms as (feature index, term) pairs, then the sum of its other terms,
 * so that baseline + the pairs' terms + that sum = its contribution; NaN where the ID is not scored.
 */
export function ownReasons(reasons: NonNullable<ScoringShard['reasons']>, dataset: Dataset, rowOf: RowIndex, ids: readonly string[], idCaseSensitive: boolean, top: number, inputs?: readonly string[]): Float64Array {
  const { known, rows } = lookupRows(dataset, rowOf, ids, idCaseSensitive);
  const features = reasons.features.length;
  const terms = reasons.terms(modelRows(dataset, rows, inputs));
  const k = Math.min(top, features);
  const per = 2 * top + 1;
  const out = new Float64Array(ids.length * per).fill(Number.NaN);
  let row = 0;
  for (let i = 0; i < ids.length; i++) {
    if (!known[i]) continue;
    const own = terms.subarray(row * features, (row + 1) * features);
    const picked = topTerms(own, k);
    picked.top.forEach((f, j) => {
      out[i * per + 2 * j] = f;
      out[i * per + 2 * j + 1] = own[f] as number;
    });
    out[i * per + 2 * top] = picked.rest;
    row++;
  }
  return out;
}

/** Normalised ID → consenting row, built once per table and cached by the caller. */
export function rowIndex(dataset: Dataset): RowIndex {
  return new IdRowIndex(dataset.idList);
}
