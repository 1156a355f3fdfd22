// For the arbiter's decryption-policy tests: why the policy refused a request (FM_ERR_HE_REFUSED's
// reason), or undefined when it admitted it; any other error is the test's failure.
import { FedmarkError } from '../../errors/table.ts';

export function refusalReason(admit: () => void): string | undefined {
  try {
    admit();
  } catch (err) {
    if (err instanceof FedmarkError && err.code === 'FM_ERR_HE_REFUSED') return String(err.params.reason);
    throw err;
  }
  return undefined;
}
