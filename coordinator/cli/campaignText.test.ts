import { describe, expect, it } from 'vitest';
import { campaignRequest } from './campaigns.ts';
import { campaignText } from './campaignText.ts';
import { campaignView } from '../campaigns/view.ts';

describe('fedmark campaign', () => {
  it('builds the create request from the flags, one target', () => {
    expect(campaignRequest({ name: 'x', model: 'm', top: '20', control: '0.2', 'guest-arm': true })).toEqual({ name: 'x', model: 'm', target: { topPercent: 20 }, controlFraction: 0.2, guestArm: true });
    expect(campaignRequest({ name: 'x', model: 'm', deciles: '1,2', control: '0.1', version: '3' })).toEqual({ name: 'x', model: 'm', target: { deciles: [1, 2] }, controlFraction: 0.1, version: 3 });
    expect(() => campaignRequest({ name: 'x', model: 'm', top: '20', deciles: '1', control: '0.2' })).toThrow(/one target/);
    expect(() => campaignRequest({ name: 'x', model: 'm', top: 'lots', control: '0.2' })).toThrow(/--top takes a number, not "lots"/);
    expect(() => campaignRequest({ name: 'x', model: 'm', top: '20' })).toThrow(/--control FRACTION/);
  });

  it('prints the report in a few lines', () => {
    const text = campaignText(campaignView({
      id: 'cmp-1', name: 'dec', model: { name: 'm', version: 1 }, guest: 'bank', target: { topPercent: 20 }, controlFraction: 0.2, guestArm: true, createdAt: 'now',
      assigned: { population: 1000, suppressed: 1, arms: [{ name: 'joint', deciles: [] }, { name: 'guest', deciles: [] }, { name: 'control', deciles: [] }] },
      outcomes: { at: 'later', arms: [
        { name: 'joint', deciles: [{ decile: 1, size: 100, conversions: 30, suppressed: 1, value: 0 }] },
        { name: 'guest', deciles: [{ decile: 1, size: 100, conversions: 20, suppressed: 0, value: 0 }] },
        { name: 'control', deciles: [{ decile: 1, size: 50, conversions: 5, suppressed: 0, value: 0 }] },
      ] },
    }));
    expect(text).toContain('joint          100           30   30.00%');
    expect(text).toContain('uplift, joint over control: +20.00 pts');
    expect(text).toContain("the partners' data: 10.0 extra conversions over the guest-alone model");
  });
});
