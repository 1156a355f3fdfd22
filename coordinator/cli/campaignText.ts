// A campaign as the CLI prints it: settings, assigned counts and, once outcomes are in, the report
// in a few lines (arms with rate and interval, uplift, the partners' extra conversions, what
// sample size the measured effect would have needed, and uplift by decile).
import type { CampaignView } from '../campaigns/view.ts';

const pct = (x: number | null, digits = 1) => (x === null ? 'n/a' : `${(x * 100).toFixed(digits)}%`);
const signedPts = (x: number | null) => (x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pts`);
const ci = (c: readonly [number | null, number | null], f: (x: number | null) => string) => `[${f(c[0])}, ${f(c[1])}]`;
const n1 = (x: number | null) => (x === null ? 'n/a' : x.toFixed(1));

export function targetText(t: CampaignView['target']): string {
  if ('topPercent' in t) return `top ${t.topPercent}%`;
  if ('deciles' in t) return `deciles ${t.deciles.join(', ')}`;
  return `audience ${t.audience}`;
}

export function campaignLine(c: CampaignView): string {
  const sizes = c.assigned.map((a) => `${a.name} ${a.size}`).join(', ');
  return `${c.id}  ${c.name}  ${c.model.name} v${c.model.version}  ${targetText(c.target)}, control ${pct(c.controlFraction, 0)}  ${c.status}  (${sizes})  ${c.createdAt}`;
}

export function campaignText(c: CampaignView): string {
  const lines = [
    `campaign ${c.id} "${c.name}" on ${c.model.name} v${c.model.version}, assigned at ${c.guest}: ${targetText(c.target)}, control ${pct(c.controlFraction, 0)}${c.guestArm ? ', with a guest-alone arm' : ''}`,
    `  population ${c.population} (suppressed at assignment: ${c.suppressedAtAssignment}); assigned ${c.assigned.map((a) => `${a.name} ${a.size}`).join(', ')}`,
  ];
  if (!c.arms || !c.uplift) {
    lines.push(`  awaiting outcomes: at ${c.guest}, fedmark party campaign outcomes upload FILE --campaign ${c.id}`);
    return lines.join('\n');
  }
  lines.push(`  outcomes recorded ${c.outcomesAt}`);
  lines.push('  arm      customers  conversions  rate     95% CI               suppressed');
  for (const a of c.arms) lines.push(`  ${a.name.padEnd(7)}  ${String(a.size).padStart(9)}  ${String(a.conversions).padStart(11)}  ${pct(a.rate, 2).padStart(7)}  ${ci(a.ci95, (x) => pct(x, 2)).padEnd(19)}  ${String(a.suppressed).padStart(10)}`);
  lines.push(`  uplift, joint over control: ${signedPts(c.uplift.absolute)} ${ci(c.uplift.ci95, signedPts)}; relative ${pct(c.uplift.relative)} ${ci(c.uplift.relativeCi95, (x) => pct(x))}`);
  if (c.partnerContribution) lines.push(`  the partners' data: ${n1(c.partnerContribution.extraConversions)} extra conversions over the guest-alone model ${ci(c.partnerContribution.ci95, n1)}`);
  if (c.sampleSizePerArm !== undefined) lines.push(`  customers per arm needed to see this uplift (5% two-sided, 80% power): ${c.sampleSizePerArm ?? 'n/a (no difference measured)'}`);
  if (c.byDecile?.length) lines.push(`  uplift by decile: ${c.byDecile.map((d) => `${d.decile}: ${signedPts(d.uplift)}`).join('; ')}`);
  return lines.join('\n');
}
