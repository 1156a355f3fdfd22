// Party tokens and API keys: high-entropy random secrets, stored only as SHA-256 digests.
// A fast hash is enough here because the secrets are 256-bit random, not passwords.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** fmp_: a party token; fmk_: an API key; fml_: a one-time dashboard sign-in link; fms_: a single sign-on's hand-over to the dashboard. */
export function newSecret(prefix: 'fmp' | 'fmk' | 'fml' | 'fms'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretMatches(secret: string, expectedHashHex: string): boolean {
  const got = Buffer.from(hashSecret(secret), 'hex');
  const want = Buffer.from(expectedHashHex, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
