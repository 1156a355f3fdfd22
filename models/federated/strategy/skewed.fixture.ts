// Test fixture: synthetic logistic data split among three members as the horizontal tests split
// default_credit — sizes 60/30/10%, each 90% from its own tertile of column 0 — with a common
// evaluation table drawn from the whole population.
import { matrix, type Matrix } from '../../matrix.ts';
import { mulberry32 } from '../../random.ts';
import type { PlaintextMember } from './plaintext.ts';

function population(rows: number, cols: number, seed: number): { x: Matrix; y: Uint8Array } {
  const next = mulberry32(seed);
  const u = () => next() / 2 ** 32;
  const x = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = -0.8;
    for (let j = 0; j < cols; j++) {
      const v = (u() - 0.5) * 4 * (j + 1) + j;
      x[i * cols + j] = v;
      s += (j % 2 === 0 ? 0.8 : -0.5) * (v - j) / (j + 1) + (j === 0 ? 0.3 * ((v - j) / 2) ** 2 : 0);
    }
    y[i] = u() < 1 / (1 + Math.exp(-s)) ? 1 : 0;
  }
  return { x: matrix(x, rows, cols), y };
}

function take(p: { x: Matrix; y: Uint8Array }, rows: number[]): { x: Matrix; y: Uint8Array } {
  const cols = p.x.cols;
  const x = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => x.set(p.x.data.subarray(r * cols, (r + 1) * cols), i * cols));
  return { x: matrix(x, rows.length, cols), y: Uint8Array.from(rows, (r) => p.y[r] as number) };
}

export function skewedMembers(seed = 1, rows = 3000, cols = 4): PlaintextMember[] {
  const all = population(rows, cols, seed);
  const evaluation = population(1500, cols, seed + 1000);
  const order = Array.from({ length: rows }, (_, i) => i).sort((a, b) => (all.x.data[a * cols] as number) - (all.x.data[b * cols] as number));
  const tertiles = [order.slice(0, rows / 3), order.slice(rows / 3, (2 * rows) / 3), order.slice((2 * rows) / 3)];
  const sizes = [0.6, 0.3, 0.1].map((f) => Math.round((f * rows) / 2));
  return sizes.map((n, k) => {
    const own = Math.round(0.9 * n);
    const mine = (tertiles[k] as number[]).splice(0, own);
    const others = [0, 1, 2].filter((t) => t !== k).flatMap((t) => (tertiles[t] as number[]).splice(0, Math.ceil((n - own) / 2)));
    const part = take(all, [...mine, ...others]);
    return { id: `m${k + 1}`, x: part.x, y: part.y, evalX: evaluation.x, evalY: evaluation.y };
  });
}
