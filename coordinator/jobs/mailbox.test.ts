import { describe, expect, it } from 'vitest';
import { Mailbox } from './mailbox.ts';
import type { LinkFrame } from '../../protocol/messages/index.ts';

const done = (job: string): LinkFrame => ({ kind: 'job.done', job, seq: 1, body: { psi: { intersectionSize: 3 } } });

describe('mailbox', () => {
  it('hands over a frame that arrived before the wait, and one that arrives after', async () => {
    const box = new Mailbox();
    box.deliver('bank', done('j1'));
    await expect(box.wait('j1', 'bank', ['job.done'], 1000)).resolves.toMatchObject({ kind: 'job.done' });
    const later = box.wait('j2', 'bank', ['job.done'], 1000);
    box.deliver('bank', done('j2'));
    await expect(later).resolves.toMatchObject({ job: 'j2' });
  });

  it('times out naming the job and party, unless progress extends the deadline', async () => {
    const box = new Mailbox();
    const slow = box.wait('j3', 'insurer', ['job.done'], 150);
    const kept = setInterval(() => box.extend('j3'), 50);
    await new Promise((r) => setTimeout(r, 400));
    clearInterval(kept);
    box.deliver('insurer', done('j3'));
    await expect(slow).resolves.toMatchObject({ job: 'j3' });
    await expect(box.wait('j4', 'insurer', ['job.done'], 50)).rejects.toThrow(/job j4: no answer from insurer/);
  });

  it('fails the waits of a party that drops its link', async () => {
    const box = new Mailbox();
    const waiting = box.wait('j5', 'bank', ['job.ready'], 10_000);
    box.partyGone('bank');
    await expect(waiting).rejects.toMatchObject({ code: 'FM_ERR_JOB_PARTY_OFFLINE' });
  });

  it('ends an abandoned attempt: its queued frames go and an open wait no longer holds a timer over the next one', async () => {
    const box = new Mailbox();
    const stale = box.wait('j6', 'bank', ['job.done'], 100);
    box.deliver('partner', done('j6'));
    box.forget('j6');
    await expect(stale).rejects.toMatchObject({ code: 'FM_ERR_INTERNAL' });
    const next = box.wait('j6', 'bank', ['job.done'], 10_000);
    await new Promise((r) => setTimeout(r, 200));
    box.deliver('bank', done('j6'));
    await expect(next).resolves.toMatchObject({ job: 'j6' });
    await expect(box.wait('j6', 'partner', ['job.done'], 50)).rejects.toMatchObject({ code: 'FM_ERR_JOB_TIMEOUT' });
  });
});
