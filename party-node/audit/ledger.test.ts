// The party audit ledger: real frames appended, the chain verified, and each kind of tampering
// (edit, edit with a recomputed hash, delete, reorder) found and named by entry.
import { spawn } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkCodec } from '../../protocol/messages/index.ts';
import { tempDir } from '../../testing/fixtures.ts';
import { AuditLedger, entryHash, ledgerPath, readLedger } from './ledger.ts';
import { describeOutbound } from './outbound.ts';
import { describeRefusal } from './refusal.ts';
import { summariseByJob, verifyChain } from './verify.ts';

const CLI = fileURLToPath(new URL('../../bin/fedmark.ts', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await tempDir('ledger');
  const ledger = new AuditLedger(ledgerPath(join(dir, 'intact')));
  const frames = [
    linkCodec.encode('job.ready', 0, { stats: { totalRows: 10, consentingRows: 8, droppedWithoutConsent: 2, features: 3, missingRate: {} }, endorsement: { identity: 'ab'.repeat(32), signature: 'cd'.repeat(64) } }, { job: 'job-a', payload: Buffer.alloc(32, 1) }),
    linkCodec.encode('relay.send', 1, { to: 'insurer' }, { job: 'job-a', payload: Buffer.alloc(1000, 2) }),
    linkCodec.encode('relay.send', 2, { to: 'insurer' }, { job: 'job-a', payload: Buffer.alloc(500, 3) }),
    linkCodec.encode('job.failed', 3, { error: { code: 'FM_ERR_INTERNAL', message: 'x' } }, { job: 'job-a' }),
    linkCodec.encode('job.failed', 4, { error: { code: 'FM_ERR_INTERNAL', message: 'y' } }, { job: 'job-b' }),
  ];
  for (const f of frames) ledger.append(describeOutbound(f));
  ledger.close();
});

/** A copy of the intact ledger, tampered with by someone with write access to the file. */
async function tampered(name: string, sql: string): Promise<string> {
  await mkdir(join(dir, name));
  await copyFile(ledgerPath(join(dir, 'intact')), ledgerPath(join(dir, name)));
  const db = new DatabaseSync(ledgerPath(join(dir, name)));
  db.exec('DROP TRIGGER ledger_no_update; DROP TRIGGER ledger_no_delete;');
  db.exec(sql);
  db.close();
  return ledgerPath(join(dir, name));
}

function run(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args]);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

describe('party audit ledger', () => {
  it('records each outbound frame with its job, kind, recipient, size and digest, chained', () => {
    const entries = readLedger(ledgerPath(join(dir, 'intact')));
    expect(entries.map((e) => [e.seq, e.job, e.kind, e.to])).toEqual([
      [1, 'job-a', 'job.ready', 'coordinator'], [2, 'job-a', 'relay.send', 'insurer'], [3, 'job-a', 'relay.send', 'insurer'],
      [4, 'job-a', 'job.failed', 'coordinator'], [5, 'job-b', 'job.failed', 'coordinator'],
    ]);
    expect(entries[1]?.bytes).toBeGreaterThan(1000);
    expect(entries[1]?.sha256).not.toBe(entries[2]?.sha256);
    expect(verifyChain(entries)).toMatchObject({ ok: true, entries: 5, head: entries[4]?.hash });
    const [a] = summariseByJob(entries, 'job-a');
    expect(a?.messages).toBe(4);
    expect(a?.to.insurer?.['relay.send']?.messages).toBe(2);
    expect(a?.bytes).toBe(entries.slice(0, 4).reduce((s, e) => s + e.bytes, 0));
  });

  it('refuses UPDATE and DELETE through SQL', () => {
    const db = new DatabaseSync(ledgerPath(join(dir, 'intact')));
    expect(() => db.exec('UPDATE ledger SET bytes = 1 WHERE seq = 2')).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM ledger WHERE seq = 2')).toThrow(/append-only/);
    db.close();
  });

  it('finds an edited entry', async () => {
    const check = verifyChain(readLedger(await tampered('edited', 'UPDATE ledger SET bytes = 12 WHERE seq = 3')));
    expect(check).toMatchObject({ ok: false, problem: { seq: 3, reason: expect.stringContaining('does not match its hash') } });
  });

  it('finds an edited entry whose hash was recomputed: the next entry no longer links', async () => {
    const path = await tampered('rehashed', 'UPDATE ledger SET recipient = \'coordinator\' WHERE seq = 2');
    const e = readLedger(path)[1];
    const db = new DatabaseSync(path);
    db.prepare('UPDATE ledger SET hash = ? WHERE seq = 2').run(entryHash(e?.prev as string, e as never));
    db.close();
    expect(verifyChain(readLedger(path)).problem).toMatchObject({ seq: 3, reason: expect.stringContaining('does not link to entry 2') });
  });

  it('finds a deleted entry', async () => {
    const check = verifyChain(readLedger(await tampered('deleted', 'DELETE FROM ledger WHERE seq = 2')));
    expect(check.problem).toMatchObject({ seq: 3, reason: expect.stringContaining('entries 2–2 are missing') });
  });

  it('finds reordered entries', async () => {
    // Swap entries 2 and 3 whole (hashes included), renumbering them to keep the sequence gap-free.
    const check = verifyChain(readLedger(await tampered('reordered', 'UPDATE ledger SET seq = -seq WHERE seq IN (2, 3); UPDATE ledger SET seq = 5 + seq WHERE seq IN (-2, -3);')));
    expect(check).toMatchObject({ ok: false, problem: { seq: 2 } });
  });

  it('`fedmark party audit` reports an intact chain with a per-job summary, and exits 1 on a broken one', async () => {
    const intact = await run(['party', 'audit', '--work-dir', join(dir, 'intact'), '--job', 'job-a']);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/5 entries, chain intact/);
    expect(intact.stdout).toMatch(/job-a: 4 messages/);
    expect(intact.stdout).toMatch(/to insurer \(sealed, through the relay\): relay\.send ×2/);
    expect(intact.stdout).not.toContain('job-b');
    const broken = await run(['party', 'audit', '--work-dir', join(dir, 'edited'), '--json']);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, problem: { seq: 3 } });
  });

  it('`fedmark party audit` lists what the party refused apart from what it sent', async () => {
    const ledger = new AuditLedger(ledgerPath(join(dir, 'refused')));
    ledger.append(describeOutbound(linkCodec.encode('relay.send', 0, { to: 'insurer' }, { job: 'job-r', payload: Buffer.alloc(100, 2) })));
    ledger.append(describeRefusal('job-r', 'peer-key', 'insurer', Buffer.alloc(32, 9)));
    ledger.close();
    const out = await run(['party', 'audit', '--work-dir', join(dir, 'refused')]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/to insurer \(sealed, through the relay\): relay\.send ×1 \(\d+ B\)\n/);
    expect(out.stdout).toMatch(/refused, concerning insurer: peer-key ×1/);
    expect(out.stdout).not.toMatch(/refused\.peer-key/);
  });
});
