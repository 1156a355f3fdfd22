// Test fixture: reads FATE's vertical benchmark splits (data/fate, see data/README.md)
// and aligns host rows to the guest's by id, as PSI would. The files are clean numeric CSV, so a
// split on ',' is enough here; the party node has the real loader.

import { fate, readTextSync } from './sets.ts';
import type { Matrix } from '../models/matrix.ts';

export interface VerticalData {
  ids: string[];
  y: Uint8Array;
  guest: Matrix;
  host: Matrix;
}

interface Table {
  header: string[];
  ids: string[];
  rows: string[][];
}

function readTable(name: string): Table {
  const text = readTextSync(fate(name));
  const lines = text.trim().split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const rows = lines.slice(1).map((line) => line.split(','));
  return { header, ids: rows.map((r) => r[0] ?? ''), rows };
}

function toMatrix(rows: string[][], firstColumn: number, cols: number): Matrix {
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    for (let j = 0; j < cols; j++) data[i * cols + j] = Number(r[firstColumn + j]);
  });
  return { data, rows: rows.length, cols };
}

/** `<prefix>_hetero_guest` (id, y, x…) joined with `<prefix>_hetero_host` (id, x…). */
export function readVertical(prefix: string): VerticalData {
  const guest = readTable(`${prefix}_hetero_guest`);
  const host = readTable(`${prefix}_hetero_host`);
  const hostRow = new Map(host.ids.map((id, i) => [id, i]));
  const g: string[][] = [];
  const h: string[][] = [];
  guest.rows.forEach((r) => {
    const k = hostRow.get(r[0] ?? '');
    if (k !== undefined) {
      g.push(r);
      h.push(host.rows[k] ?? []);
    }
  });
  return {
    ids: g.map((r) => r[0] ?? ''),
    y: Uint8Array.from(g, (r) => Number(r[1])),
    guest: toMatrix(g, 2, guest.header.length - 2),
    host: toMatrix(h, 1, host.header.length - 1),
  };
}
