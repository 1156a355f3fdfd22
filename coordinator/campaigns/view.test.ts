import { describe, expect, it } from 'vitest';
import { campaignView } from './view.ts';
import type { CampaignRecord } from './store.ts';

const record: CampaignRecord = {
  id: 'cmp-1', name: 'test', model: { name: 'm', version: 1 }, guest: 'bank', target: { topPercent: 20 }, controlFraction: 0.5, guestArm: false, createdAt: '2026-12-04T00:00:00.000Z',
  assigned: { population: 400, suppressed: 3, arms: [{ name: 'joint', deciles: [{ decile: 1, size: 40 }] }, { name: 'control', deciles: [{ decile: 1, size: 40 }] }] },
};

describe('campaignView', () => {
  it('shows the assigned counts and awaits outcomes until the guest has some', () => {
    const v = campaignView(record);
    expect(v).toMatchObject({ status: 'awaiting-outcomes', population: 400, suppressedAtAssignment: 3, assigned: [{ name: 'joint', size: 40 }, { name: 'control', size: 40 }] });
    expect(v.arms).toBeUndefined();
  });

  it('turns figures JSON cannot carry into null: a control arm without conversions has no relative uplift', () => {
    const v = campaignView({
      ...record,
      outcomes: { at: '2026-12-05T00:00:00.000Z', arms: [
        { name: 'joint', deciles: [{ decile: 1, size: 38, conversions: 6, suppressed: 2, value: 600 }] },
        { name: 'control', deciles: [{ decile: 1, size: 40, conversions: 0, suppressed: 0, value: 0 }] },
      ] },
    });
    expect(v.status).toBe('reported');
    expect(v.arms?.[0]).toMatchObject({ name: 'joint', size: 38, conversions: 6, suppressed: 2, value: 600 });
    expect(v.uplift?.absolute).toBeCloseTo(6 / 38, 12);
    expect(v.uplift?.relative).toBeNull();
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });
});
