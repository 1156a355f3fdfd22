// Tests of a model's checks: what a check refuses with, as the message a party would read.
import { FedmarkError, type ErrorCode } from '../../errors/table.ts';

/** The message of the FedmarkError of `code` that `fn` throws, or 'accepted'; any other error is rethrown. */
export function refusal(code: ErrorCode, fn: () => void): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof FedmarkError && err.code === code) return err.message;
    throw err;
  }
  return 'accepted';
}
