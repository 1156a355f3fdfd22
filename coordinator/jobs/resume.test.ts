// Where a resumed attempt starts: the newest epoch every party holds on one shared PSI result.
import { describe, expect, it } from 'vitest';
import { resumePoint } from './resume.ts';

describe('resumePoint', () => {
  it('takes the newest epoch all parties hold (the guest checkpoints one epoch ahead of its hosts)', () => {
    expect(resumePoint(new Map([['bank', { psi: 1, epochs: [6, 5] }], ['partner1', { psi: 1, epochs: [5, 4] }]]))).toEqual({ psi: 1, epochs: 5 });
    expect(resumePoint(new Map([['bank', { psi: 0, epochs: [3, 2] }], ['a', { psi: 0, epochs: [3, 2] }], ['b', { psi: 0, epochs: [2, 1] }]]))).toEqual({ psi: 0, epochs: 2 });
  });

  it('reuses the intersection with no common epoch, and runs PSI again unless every party holds the same one', () => {
    expect(resumePoint(new Map([['bank', { psi: 2, epochs: [1] }], ['partner1', { psi: 2, epochs: [] }]]))).toEqual({ psi: 2, epochs: 0 });
    expect(resumePoint(new Map([['bank', { psi: 2, epochs: [4] }], ['partner1', undefined]]))).toBeUndefined();
    expect(resumePoint(new Map([['bank', { psi: 2, epochs: [4] }], ['partner1', { psi: 1, epochs: [4] }]]))).toBeUndefined();
    expect(resumePoint(new Map())).toBeUndefined();
  });
});
