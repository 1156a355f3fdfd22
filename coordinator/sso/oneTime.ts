// Secrets that can be used once and only for a while, kept by their SHA-256 in memory (a restart
// voids them): the state of a sign-in in progress, and the token that hands a finished sign-in's
// outcome to the dashboard.
import { hashSecret } from '../../protocol/auth/tokens.ts';

export class OneTimeSecrets<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  private readonly lifetimeMs: number;
  private readonly now: () => number;

  constructor(lifetimeMs: number, now: () => number = Date.now) {
    this.lifetimeMs = lifetimeMs;
    this.now = now;
  }

  put(secret: string, value: T): void {
    this.forgetExpired();
    this.entries.set(hashSecret(secret), { value, expiresAt: this.now() + this.lifetimeMs });
  }

  /** The value, once: undefined when the secret is unknown, spent or expired. */
  take(secret: string): T | undefined {
    this.forgetExpired();
    const digest = hashSecret(secret);
    const entry = this.entries.get(digest);
    this.entries.delete(digest);
    return entry?.value;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [digest, entry] of this.entries) if (!(now < entry.expiresAt)) this.entries.delete(digest);
  }
}
