import { describe, expect, it } from 'vitest';
import { partyKind } from './index.ts';

describe('job kinds at a party', () => {
  it('has a plug-in for each kind and refuses a kind it does not run, naming it', () => {
    for (const kind of ['psi', 'vertical', 'horizontal']) expect(partyKind(kind).kind).toBe(kind);
    expect(() => partyKind('trees')).toThrow(expect.objectContaining({ code: 'FM_ERR_JOB_INVALID', message: expect.stringMatching(/no job of kind "trees" \(psi, vertical, horizontal\)/) }));
  });
});
