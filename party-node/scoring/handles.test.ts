import { describe, expect, it } from 'vitest';
import { Channel, newKeyPair } from '../../protocol/e2e/channel.ts';
import { HANDLE_BYTES } from '../../protocol/messages/score.ts';
import { deriveHandles, scoringPartners } from './handles.ts';
import { HandleIndex } from './intersection.ts';

describe('scoring handles', () => {
  it('are the same at both ends of a channel and unlike those of another pair or job', () => {
    const [bank, insurer, broker] = [newKeyPair(), newKeyPair(), newKeyPair()];
    const atBank = new Channel('job-1', 'bank', 'insurer', bank, insurer.publicKey).deriveKey('scoring-handles');
    const atInsurer = new Channel('job-1', 'insurer', 'bank', insurer, bank.publicKey).deriveKey('scoring-handles');
    expect(atInsurer).toEqual(atBank);
    expect(new Channel('job-1', 'bank', 'broker', bank, broker.publicKey).deriveKey('scoring-handles')).not.toEqual(atBank);
    expect(new Channel('job-2', 'bank', 'insurer', bank, insurer.publicKey).deriveKey('scoring-handles')).not.toEqual(atBank);
    expect(new Channel('job-1', 'bank', 'insurer', bank, insurer.publicKey).deriveKey('other')).not.toEqual(atBank);
  });

  it('give each row its own handle, found again by the index', () => {
    const handles = deriveHandles(Buffer.alloc(32, 7), 1000);
    expect(handles).toHaveLength(1000 * HANDLE_BYTES);
    expect(new Set(Array.from({ length: 1000 }, (_, r) => handles.toString('hex', r * HANDLE_BYTES, (r + 1) * HANDLE_BYTES))).size).toBe(1000);
    expect(new HandleIndex(handles).get(handles, 417 * HANDLE_BYTES)).toBe(417);
    expect(deriveHandles(Buffer.alloc(32, 8), 1)).not.toEqual(handles.subarray(0, HANDLE_BYTES));
  });

  it('are kept by the guest with every host and by a host with the guest only', () => {
    const peers = [{ id: 'bank', role: 'guest' as const }, { id: 'insurer', role: 'host' as const }, { id: 'broker', role: 'host' as const }];
    expect(scoringPartners('guest', peers)).toEqual(['insurer', 'broker']);
    expect(scoringPartners('host', peers)).toEqual(['bank']);
  });
});
