// Checking the audit ledger's chain and summarising, per job, what left the party. Pure functions
// over the entries, so the check is the same wherever the entries come from.
import { entryHash, GENESIS, type LedgerEntry } from './ledger.ts';

export interface ChainCheck {
  ok: boolean;
  entries: number;
  /** The last entry's hash: keep it elsewhere (a ticket, an e-mail) to detect a truncated tail later. */
  head: string;
  /** The first break found, naming the entry. */
  problem?: { seq: number; reason: string };
}

export function verifyChain(entries: readonly LedgerEntry[]): ChainCheck {
  let prev = GENESIS;
  let expectedSeq = 1;
  for (const e of entries) {
    const fail = (reason: string): ChainCheck => ({ ok: false, entries: entries.length, head: prev, problem: { seq: e.seq, reason } });
    if (e.seq !== expectedSeq) return fail(`entry ${e.seq} follows entry ${expectedSeq - 1}: entries ${expectedSeq}–${e.seq - 1} are missing (deleted?)`);
    if (e.prev !== prev) return fail(`entry ${e.seq} does not link to entry ${e.seq - 1} (deleted, inserted or reordered entries)`);
    if (entryHash(e.prev, e) !== e.hash) return fail(`entry ${e.seq} does not match its hash (edited?)`);
    prev = e.hash;
    expectedSeq++;
  }
  return { ok: true, entries: entries.length, head: prev };
}

export interface JobSummary {
  job: string;
  first: string;
  last: string;
  messages: number;
  bytes: number;
  /** By recipient (coordinator or partner), then by message kind. */
  to: Record<string, Record<string, { messages: number; bytes: number }>>;
}

/** Per job, in order of first appearance; messages outside a job are under `(no job)`. */
export function summariseByJob(entries: readonly LedgerEntry[], onlyJob?: string): JobSummary[] {
  const jobs = new Map<string, JobSummary>();
  for (const e of entries) {
    const job = e.job ?? '(no job)';
    if (onlyJob !== undefined && job !== onlyJob) continue;
    let s = jobs.get(job);
    if (!s) {
      s = { job, first: e.at, last: e.at, messages: 0, bytes: 0, to: {} };
      jobs.set(job, s);
    }
    s.last = e.at;
    s.messages++;
    s.bytes += e.bytes;
    const byKind = (s.to[e.to] ??= {});
    const k = (byKind[e.kind] ??= { messages: 0, bytes: 0 });
    k.messages++;
    k.bytes += e.bytes;
  }
  return [...jobs.values()];
}
