// A campaign's report from per-arm, per-decile counts — the only figures that leave the guest.
// Arms: `joint` (customers targeted by the joint model and contacted), `control` (the same targeting,
// held back at random), and optionally `guest` (targeted by the guest-alone model and contacted),
// which prices the partner's data as the joint arm's extra conversions over it.
import { inputError } from '../check.ts';
import { newcombeDifference, relativeUplift, wilson, type Interval } from './intervals.ts';
import { sampleSizePerArm } from './sampleSize.ts';

export interface DecileCounts {
  /** 1 = the top 10% by the arm's targeting score. */
  decile: number;
  size: number;
  conversions: number;
  /** Customers of the cell on the suppression list when the campaign ran: not contacted, not counted in `size`. */
  suppressed: number;
}

export interface ArmCounts {
  name: 'joint' | 'guest' | 'control';
  deciles: DecileCounts[];
}

export interface ArmReport {
  name: ArmCounts['name'];
  size: number;
  conversions: number;
  suppressed: number;
  rate: number;
  ci95: [number, number];
}

export interface CampaignReport {
  arms: ArmReport[];
  /** Targeting with the joint model and contacting against holding back. */
  uplift: { absolute: number; relative: number; ci95: [number, number]; relativeCi95: [number, number] };
  /** Extra conversions the joint model brought over the guest-alone model, on the joint arm's size. */
  partnerContribution?: { extraConversions: number; ci95: [number, number] };
  byDecile: Array<{ decile: number; treatedRate: number; controlRate: number; uplift: number; ci95: [number, number] }>;
  /** Qini curve: cumulative extra conversions of the treated arm over control, scaled to the treated size, by decile from the top. */
  qini: Array<{ decile: number; extraConversions: number }>;
  /** Customers per arm a test needs to see the measured uplift at two-sided 5% with 80% power. */
  sampleSizePerArm: number;
}

function totals(arm: ArmCounts): { size: number; conversions: number; suppressed: number } {
  let size = 0;
  let conversions = 0;
  let suppressed = 0;
  for (const d of arm.deciles) {
    if (!Number.isInteger(d.size) || d.size < 0 || !Number.isInteger(d.conversions) || d.conversions < 0 || d.conversions > d.size || !Number.isInteger(d.suppressed) || d.suppressed < 0) {
      throw inputError(`arms.${arm.name}.deciles[${d.decile}]`, 'integer counts with conversions ≤ size', `size ${d.size}, conversions ${d.conversions}, suppressed ${d.suppressed}`);
    }
    size += d.size;
    conversions += d.conversions;
    suppressed += d.suppressed;
  }
  return { size, conversions, suppressed };
}

const pair = (i: Interval): [number, number] => [i.lo, i.hi];

export function campaignReport(arms: readonly ArmCounts[]): CampaignReport {
  const find = (name: ArmCounts['name']) => arms.find((a) => a.name === name);
  const joint = find('joint');
  const control = find('control');
  if (!joint || !control) throw inputError('arms', 'a joint and a control arm', arms.map((a) => a.name).join(', ') || 'none');
  const guest = find('guest');
  const t = new Map(arms.map((a) => [a.name, totals(a)]));
  const jt = t.get('joint')!;
  const ct = t.get('control')!;
  const armReports: ArmReport[] = arms.map((a) => {
    const s = t.get(a.name)!;
    const w = wilson(s.conversions, s.size);
    return { name: a.name, size: s.size, conversions: s.conversions, suppressed: s.suppressed, rate: w.estimate, ci95: pair(w) };
  });
  const absolute = newcombeDifference(jt.conversions, jt.size, ct.conversions, ct.size);
  const relative = relativeUplift(jt.conversions, jt.size, ct.conversions, ct.size);
  let partnerContribution: CampaignReport['partnerContribution'];
  if (guest) {
    const gt = t.get('guest')!;
    const diff = newcombeDifference(jt.conversions, jt.size, gt.conversions, gt.size);
    partnerContribution = { extraConversions: diff.estimate * jt.size, ci95: [diff.lo * jt.size, diff.hi * jt.size] };
  }
  const deciles = [...new Set(joint.deciles.map((d) => d.decile))].sort((a, b) => a - b);
  const cell = (arm: ArmCounts, decile: number) => arm.deciles.find((d) => d.decile === decile) ?? { decile, size: 0, conversions: 0, suppressed: 0 };
  const byDecile = deciles.map((decile) => {
    const a = cell(joint, decile);
    const b = cell(control, decile);
    const diff = newcombeDifference(a.conversions, a.size, b.conversions, b.size);
    return { decile, treatedRate: a.size ? a.conversions / a.size : 0, controlRate: b.size ? b.conversions / b.size : 0, uplift: diff.estimate, ci95: pair(diff) };
  });
  const qini: CampaignReport['qini'] = [];
  let nT = 0;
  let xT = 0;
  let nC = 0;
  let xC = 0;
  for (const decile of deciles) {
    const a = cell(joint, decile);
    const b = cell(control, decile);
    nT += a.size;
    xT += a.conversions;
    nC += b.size;
    xC += b.conversions;
    qini.push({ decile, extraConversions: nC > 0 ? xT - (xC * nT) / nC : 0 });
  }
  return {
    arms: armReports,
    uplift: { absolute: absolute.estimate, relative: relative.estimate, ci95: pair(absolute), relativeCi95: pair(relative) },
    ...(partnerContribution ? { partnerContribution } : {}),
    byDecile,
    qini,
    sampleSizePerArm: sampleSizePerArm(armReports.find((a) => a.name === 'joint')!.rate, armReports.find((a) => a.name === 'control')!.rate),
  };
}
