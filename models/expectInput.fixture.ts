// Test helper: asserts that fn throws FM_ERR_MODEL_INPUT naming `param`.

import { expect } from 'vitest';
import { FedmarkError } from '../errors/table.ts';

export function expectInput(fn: () => unknown, param: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected FM_ERR_MODEL_INPUT for ${param}`).toBeInstanceOf(FedmarkError);
  const e = thrown as FedmarkError;
  expect(e.code).toBe('FM_ERR_MODEL_INPUT');
  expect(e.status).toBe(400);
  expect(e.message.startsWith(`${param} must be`), e.message).toBe(true);
}
