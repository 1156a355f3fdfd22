// Input checks shared by the PSI primitives. Each names the parameter and what was expected,
// never the value (it may be key material or a customer's data). Errors: FM_ERR_PSI_INPUT.

import { FedmarkError } from '../../errors/table.ts';

export const POINT_BYTES = 32;
export const SCALAR_BYTES = 32;

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  return typeof value;
}

/** A packed list of 32-byte X25519 u-coordinates; returns the number of points. */
export function checkPoints(param: string, points: unknown): number {
  if (!(points instanceof Uint8Array) || points.length % POINT_BYTES !== 0) {
    throw new FedmarkError('FM_ERR_PSI_INPUT', {
      param,
      expected: `a Uint8Array whose length is a multiple of ${POINT_BYTES}`,
      got: describe(points),
    });
  }
  return points.length / POINT_BYTES;
}

export function checkScalar(param: string, scalar: unknown): void {
  if (!(scalar instanceof Uint8Array) || scalar.length !== SCALAR_BYTES) {
    throw new FedmarkError('FM_ERR_PSI_INPUT', {
      param,
      expected: `a Uint8Array of ${SCALAR_BYTES} bytes`,
      got: describe(scalar),
    });
  }
}

export function checkString(param: string, value: unknown, nonEmpty: boolean): asserts value is string {
  if (typeof value !== 'string' || (nonEmpty && value.length === 0) || !value.isWellFormed()) {
    throw new FedmarkError('FM_ERR_PSI_INPUT', {
      param,
      expected: nonEmpty ? 'a non-empty well-formed UTF-16 string' : 'a well-formed UTF-16 string',
      got: typeof value === 'string' ? (value.length === 0 ? 'an empty string' : 'a string with a lone surrogate') : describe(value),
    });
  }
}

export function checkStrings(param: string, values: unknown): asserts values is string[] {
  if (!Array.isArray(values)) {
    throw new FedmarkError('FM_ERR_PSI_INPUT', { param, expected: 'an array of strings', got: describe(values) });
  }
  for (let i = 0; i < values.length; i++) checkString(`${param}[${i}]`, values[i], false);
}
