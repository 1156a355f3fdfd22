// Input checks and error helpers shared by the BFV coefficient-packed inner product
// (protocol/he/bfv.ts, coefficients.ts, innerProduct.ts; design note protocols.md, "Making
// X_pᵀ·Enc(d) cheap"). Every check names the parameter and what was expected, never the value:
// it may be a customer's feature or key material. Errors: FM_ERR_HE_INPUT.
// Parameters: none. What each role learns: nothing; local checks only.

import { FedmarkError } from '../../errors/table.ts';

/** A short description of what was passed, without its content. */
export function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as unknown as ArrayLike<number>).length}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? 'a number out of range' : String(value);
  return typeof value;
}

export function inputError(param: string, expected: string, got: string): FedmarkError {
  return new FedmarkError('FM_ERR_HE_INPUT', { param, expected, got });
}

export function checkInteger(param: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw inputError(param, `an integer from ${min} to ${max}`, typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : describe(value));
  }
  return value;
}

export function checkBytes(param: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length === 0) {
    throw inputError(param, 'a non-empty Uint8Array', describe(value));
  }
  return value;
}

/** A list of numbers (Float64Array, number[], …) of exactly `length` entries when given. */
export function checkNumbers(param: string, value: unknown, length?: number): ArrayLike<number> {
  const ok = value instanceof Float64Array || value instanceof Float32Array || Array.isArray(value);
  if (!ok) throw inputError(param, 'a Float64Array or an array of numbers', describe(value));
  const list = value as ArrayLike<number>;
  if (length !== undefined && list.length !== length) throw inputError(param, `${length} values`, `${list.length}`);
  return list;
}

/**
 * The reason a SEAL (WebAssembly) call failed. node-seal 7 throws WebAssembly.Exception objects
 * whose `message` is [C++ type, what()]; SEAL's messages name the check, never data.
 */
export function sealReason(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err) {
    const m = (err as { message: unknown }).message;
    if (Array.isArray(m)) return m.map(String).join(': ');
    if (typeof m === 'string') return m;
  }
  return String(err);
}
