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

/**
 * The party's contributions for `ids` under `scorer`, from its raw feature columns (as in
 * training), matched to the model's input names when given (inputRows.ts).
 */
export function contributions(scorer: ScoringShard, dataset: Dataset, rowOf: RowIndex, ids: readonly string[], idCaseSensitive: boolean, inputs?: readonly string[]): PartialScores {
  const cols = inputs?.length ?? dataset.featureNames.length;
  const { known, rows, noConsent } = lookupRows(dataset, rowOf, ids, idCaseSensitive);
  const x = inputRows(dataset, rows, inputs);
  const { width } = scorer;
  const values = scorer.contribution(matrix(x, rows.length, cols));
  const scores = new Float64Array(ids.length * width).fill(Number.NaN);
  let k = 0;
  for (let i = 0; i < ids.length; i++) {
    if (!known[i]) continue;
    scores.set(values.subarray(k * width, (k + 1) * width), i * width);
    k++;
  }
  return { scores, width, known, noConsent };
}

/** Normalised ID → consenting row, built once per table and cached by the caller. */
export function rowIndex(dataset: Dataset): RowIndex {
  return new IdRowIndex(dataset.idList);
}
