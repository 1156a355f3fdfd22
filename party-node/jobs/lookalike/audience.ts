// The lookalike's outputs at the guest, never sent anywhere: the population's scores (kept so the
// audience can be re-cut without retraining, and with the guest-alone model's scores so that a
// campaign can run a guest-alone arm) and audience files `id,score,rank` (rank 1 = best). Customers
// on the guest's suppression list when an audience is written are left out of it, like seeds.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FedmarkError } from '../../../errors/table.ts';
import { audienceSizeFor, rankAudience, type AudienceCut } from '../../../models/lookalike/audience.ts';
import { workPath } from '../../workPath.ts';
import { suppressedKeys, suppressionKey } from '../../suppression/list.ts';

export interface PopulationScores {
  ids: string[];
  /** Probability scores, one per ID. */
  scores: Float64Array;
  /** 1 for seeds (never in an audience). */
  seed: Uint8Array;
  /** The guest-alone model's scores (any scale that ranks like its probability), when kept. */
  guestOnly?: Float64Array;
}

function scoresPath(workDir: string, model: string, job: string): string {
  return workPath(workDir, 'lookalike', model, `${job}.csv`);
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export async function savePopulationScores(workDir: string, model: string, job: string, p: PopulationScores): Promise<void> {
  const path = scoresPath(workDir, model, job);
  await mkdir(dirname(path), { recursive: true });
  const lines = [p.guestOnly ? 'id,score,seed,guest_only' : 'id,score,seed'];
  p.ids.forEach((id, i) => lines.push(`${csvCell(id)},${p.scores[i]},${p.seed[i]}${p.guestOnly ? `,${p.guestOnly[i]}` : ''}`));
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
}

export async function readPopulationScores(workDir: string, model: string, job: string): Promise<PopulationScores> {
  const text = await readFile(scoresPath(workDir, model, job), 'utf8').catch((err: unknown) => {
    throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name: model, version: `of job ${job} (no stored lookalike scores at the guest)` }, { cause: err });
  });
  const ids: string[] = [];
  const scores: number[] = [];
  const seed: number[] = [];
  const guestOnly: number[] = [];
  const lines = text.split('\n');
  // Files written before guest-alone scores were kept have three columns.
  const withGuestOnly = lines[0] === 'id,score,seed,guest_only';
  for (const line of lines.slice(1)) {
    if (!line) continue;
    // The ID may be quoted and hold commas; the numbers are the last fields.
    let end = line.length;
    if (withGuestOnly) {
      const g = line.lastIndexOf(',');
      guestOnly.push(Number(line.slice(g + 1)));
      end = g;
    }
    const b = line.lastIndexOf(',', end - 1);
    const a = line.lastIndexOf(',', b - 1);
    const raw = line.slice(0, a);
    ids.push(raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw);
    scores.push(Number(line.slice(a + 1, b)));
    seed.push(Number(line.slice(b + 1, end)));
  }
  return { ids, scores: Float64Array.from(scores), seed: Uint8Array.from(seed), ...(withGuestOnly ? { guestOnly: Float64Array.from(guestOnly) } : {}) };
}

/** Writes the audience for `cut` next to the stored scores' work directory; returns its path and size. */
export async function writeAudience(workDir: string, model: string, job: string, p: PopulationScores, cut: AudienceCut): Promise<{ path: string; size: number }> {
  // The suppression list as it is now: a listed customer is never a candidate, whenever it was listed.
  const suppressed = suppressedKeys(workDir);
  const excluded = Uint8Array.from(p.seed, (s, i) => (s || suppressed.has(suppressionKey(p.ids[i] as string)) ? 1 : 0));
  let candidates = 0;
  for (const s of excluded) candidates += s ? 0 : 1;
  const size = audienceSizeFor(cut, candidates);
  const rows = rankAudience(p.scores, excluded, size);
  const path = workPath(workDir, 'audiences', `${model}-${job}-top${size}.csv`);
  await mkdir(dirname(path), { recursive: true });
  const lines = ['id,score,rank'];
  rows.forEach((r, k) => lines.push(`${csvCell(p.ids[r] as string)},${p.scores[r]},${k + 1}`));
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return { path, size };
}
