// What the API, the CLI and the dashboard show of a campaign: its settings, the customers assigned
// per arm, and, once the guest has outcomes, the report (models/campaign/report.ts) with every
// figure JSON can carry (an infinite or undefined figure, e.g. a relative uplift over a control arm
// without conversions, becomes null).
import { campaignReport, type ArmCounts } from '../../models/campaign/report.ts';
import type { CampaignRecord } from './store.ts';


type Num = number | null;
type Arm = ArmCounts['name'];
const num = (x: number): Num => (Number.isFinite(x) ? x : null);
const pair = (p: readonly [number, number]): [Num, Num] => [num(p[0]), num(p[1])];

export interface CampaignView {
  id: string;
  name: string;
  model: { name: string; version: number };
  guest: string;
  target: CampaignRecord['target'];
  controlFraction: number;
  guestArm: boolean;
  createdAt: string;
  status: 'awaiting-outcomes' | 'reported';
  population: number;
  suppressedAtAssignment: number;
  assigned: Array<{ name: Arm; size: number }>;
  outcomesAt?: string;
  arms?: Array<{ name: Arm; size: number; conversions: number; suppressed: number; value: number; rate: Num; ci95: [Num, Num] }>;
  uplift?: { absolute: Num; relative: Num; ci95: [Num, Num]; relativeCi95: [Num, Num] };
  partnerContribution?: { extraConversions: Num; ci95: [Num, Num] };
  byDecile?: Array<{ decile: number; treatedRate: Num; controlRate: Num; uplift: Num; ci95: [Num, Num] }>;
  qini?: Array<{ decile: number; extraConversions: Num }>;
  sampleSizePerArm?: Num;
}

export function campaignView(r: CampaignRecord): CampaignView {
  const base: CampaignView = {
    id: r.id, name: r.name, model: r.model, guest: r.guest, target: r.target, controlFraction: r.controlFraction, guestArm: r.guestArm, createdAt: r.createdAt,
    status: r.outcomes ? 'reported' : 'awaiting-outcomes',
    population: r.assigned.population,
    suppressedAtAssignment: r.assigned.suppressed,
    assigned: r.assigned.arms.map((a) => ({ name: a.name, size: a.deciles.reduce((s, d) => s + d.size, 0) })),
  };
  if (!r.outcomes) return base;
  const counts = r.outcomes.arms;
  const report = campaignReport(counts);
  const value = new Map(counts.map((a) => [a.name, a.deciles.reduce((s, d) => s + d.value, 0)]));
  return {
    ...base,
    outcomesAt: r.outcomes.at,
    arms: report.arms.map((a) => ({ name: a.name, size: a.size, conversions: a.conversions, suppressed: a.suppressed, value: value.get(a.name) ?? 0, rate: num(a.rate), ci95: pair(a.ci95) })),
    uplift: { absolute: num(report.uplift.absolute), relative: num(report.uplift.relative), ci95: pair(report.uplift.ci95), relativeCi95: pair(report.uplift.relativeCi95) },
    ...(report.partnerContribution ? { partnerContribution: { extraConversions: num(report.partnerContribution.extraConversions), ci95: pair(report.partnerContribution.ci95) } } : {}),
    byDecile: report.byDecile.map((d) => ({ decile: d.decile, treatedRate: num(d.treatedRate), controlRate: num(d.controlRate), uplift: num(d.uplift), ci95: pair(d.ci95) })),
    qini: report.qini.map((q) => ({ decile: q.decile, extraConversions: num(q.extraConversions) })),
    sampleSizePerArm: num(report.sampleSizePerArm),
  };
}
