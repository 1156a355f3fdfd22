// Input checks shared by the model functions. Each names the parameter and what was expected,
// never a value from the data (it may be a customer's). Errors: FM_ERR_MODEL_INPUT.

import { FedmarkError } from '../errors/table.ts';

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of ${value.byteLength} bytes`;
  if (typeof value === 'number') return String(value);
  return typeof value;
}

export function inputError(param: string, expected: string, got: string): FedmarkError {
  return new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected, got });
}

/** An integer in [min, max]. */
export function checkInteger(param: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw inputError(param, range, describeValue(value));
  }
  return value;
}

/** A finite number in [min, max] (or (min, max] / [min, max) when the bound is exclusive). */
export function checkNumber(
  param: string,
  value: unknown,
  min: number,
  max: number,
  exclusive: { min?: boolean; max?: boolean } = {},
): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (exclusive.min ? value > min : value >= min) &&
    (exclusive.max ? value < max : value <= max);
  if (!ok) {
    const lo = exclusive.min ? `> ${min}` : `>= ${min}`;
    const hi = max === Infinity ? '' : exclusive.max ? ` and < ${max}` : ` and <= ${max}`;
    throw inputError(param, `a finite number ${lo}${hi}`, describeValue(value));
  }
  return value;
}

/** 0/1 labels: a Uint8Array (as the dataset loader gives) or a Float64Array holding 0 and 1 only. */
export type Labels = Uint8Array | Float64Array;

export function checkLabels(param: string, y: unknown, length: number): Labels {
  if (!(y instanceof Uint8Array) && !(y instanceof Float64Array)) {
    throw inputError(param, `a Uint8Array or Float64Array of ${length} labels`, describeValue(y));
  }
  if (y.length !== length) throw inputError(param, `${length} labels (one per row)`, `${y.length}`);
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v !== 0 && v !== 1) throw inputError(param, 'labels that are all 0 or 1', `another value at index ${i}`);
  }
  return y;
}

/** A typed array of finite scores or probabilities. */
export function checkScores(param: string, s: unknown, length?: number): Float64Array {
  if (!(s instanceof Float64Array)) throw inputError(param, 'a Float64Array', describeValue(s));
  if (length !== undefined && s.length !== length) throw inputError(param, `${length} values (one per label)`, `${s.length}`);
  for (let i = 0; i < s.length; i++) {
    if (!Number.isFinite(s[i])) throw inputError(param, 'finite values', `a non-finite value at index ${i}`);
  }
  return s;
}
