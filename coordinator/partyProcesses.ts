// Party-node processes for one job spec against a coordinator, each restartable on its own (same
// config, token and work dir), and SIGKILL for fault tests and benchmarks.
import type { ChildProcess } from 'node:child_process';
import { hashSecret, newSecret } from '../protocol/auth/tokens.ts';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { pinIdentities, spawnParty, stopChild } from './simulate.ts';

/** Dials back within a fraction of a second once the coordinator is there again. */
export const FAST_RECONNECT = { reconnectMinMs: 50, reconnectMaxMs: 300 };

export class Parties {
  readonly tokens: Map<string, string>;
  readonly children = new Map<string, ChildProcess>();
  private readonly spec: JobSpec;
  private readonly dir: string;
  private readonly url: () => string;

  /** `url`: the coordinator's ws:// address, read at each start (it may change across restarts). */
  constructor(spec: JobSpec, dir: string, url: () => string) {
    this.spec = spec;
    this.dir = dir;
    this.url = url;
    this.tokens = new Map(spec.parties.map((p) => [p.id, newSecret('fmp')]));
  }

  /** The coordinator config's `parties`. */
  get config(): Array<{ id: string; tokenSha256: string }> {
    return this.spec.parties.map((p) => ({ id: p.id, tokenSha256: hashSecret(this.tokens.get(p.id) as string) }));
  }

  async start(id: string, logLevel = 'info'): Promise<void> {
    const party = this.spec.parties.find((p) => p.id === id);
    if (!party) throw new Error(`no party ${id} in job ${this.spec.name}`);
    const pins = pinIdentities(this.dir, this.spec.parties.map((p) => p.id));
    this.children.set(id, await spawnParty(this.dir, this.url(), party, this.tokens.get(id) as string, pins, logLevel, { partyOverrides: { [id]: FAST_RECONNECT } }));
  }

  async kill(id: string): Promise<void> {
    const child = this.children.get(id);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.children.values()].map(stopChild));
  }
}

/** Polls `check` every 50 ms until it gives a truthy value (which it resolves to), or fails naming `what`. */
export function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = async () => {
      const value = await check();
      if (value) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`${what}: not within ${timeoutMs} ms`));
      setTimeout(() => void tick(), 50);
    };
    void tick();
  });
}
