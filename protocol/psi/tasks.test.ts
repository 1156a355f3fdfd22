import { describe, expect, it } from 'vitest';
import { blindPoints, newScalar } from './ecdh.ts';
import { hashIdsToPoints } from './hash.ts';
import { isTaskRequest, isWorkerMessage, runTask } from './tasks.ts';
import { hex } from './testing.fixture.ts';

describe('worker tasks', () => {
  it('blinds a slice in place and hands its buffer back for transfer', () => {
    const scalar = newScalar();
    const points = hashIdsToPoints(['a', 'b'], 'job-1');
    const expected = hex(blindPoints(points, scalar));
    const { reply, transfer } = runTask({ id: 4, op: 'blind', points, scalar: scalar.slice() });
    expect(reply.kind).toBe('points');
    expect(reply.kind === 'points' && hex(reply.points)).toBe(expected);
    expect(transfer).toEqual([points.buffer]);
  });

  it('turns failures into {code, params} replies', () => {
    const { reply } = runTask({ id: 9, op: 'blind', points: new Uint8Array(64), scalar: newScalar() });
    expect(reply).toEqual({ kind: 'error', id: 9, code: 'FM_ERR_PSI_POINT', params: { index: 0 } });
    const bad = runTask({ id: 10, op: 'blind', points: new Uint8Array(3), scalar: newScalar() });
    expect(bad.reply.kind === 'error' && bad.reply.code).toBe('FM_ERR_PSI_INPUT');
  });

  it('guards messages in both directions', () => {
    expect(isTaskRequest({ id: 1, op: 'rate', seconds: 1 })).toBe(true);
    expect(isTaskRequest({ id: 1, op: 'blind', points: [1], scalar: new Uint8Array(32) })).toBe(false);
    expect(isTaskRequest({ id: '1', op: 'rate', seconds: 1 })).toBe(false);
    expect(isTaskRequest(null)).toBe(false);
    expect(isWorkerMessage({ kind: 'ready' })).toBe(true);
    expect(isWorkerMessage({ kind: 'error', id: 1, code: 'FM_ERR_NOPE', params: {} })).toBe(false);
    expect(isWorkerMessage({ kind: 'points', id: 1, points: 'x' })).toBe(false);
  });
});
