// Inputs for the encrypted-histogram tests: a host's binned table and a guest's gradients, seeded.
import { applyPartyBinning, fitPartyBinning, type BinnedColumns } from '../../models/vertical/gbdt/binning.ts';
import { gradientGrid, logisticGradients } from '../../models/vertical/gbdt/quantize.ts';
import { rng } from './testing.fixture.ts';

/** A host's table: five numeric columns with missing values and one categorical column, binned by models/. */
export function hostTable(rows: number, seed: number): BinnedColumns {
  const random = rng(seed);
  const cols = 6;
  const data = Float64Array.from({ length: rows * cols }, (_, k) => (k % cols === 5 ? Math.floor(random() * 12) : random() < 0.05 ? NaN : random() * 1000));
  const x = { data, rows, cols };
  return applyPartyBinning(fitPartyBinning(x, { bins: 32, categorical: [5] }), x);
}

/** Gradients of a logistic model at random margins, and the same on the tree's grid. */
export function gradients(rows: number, seed: number) {
  const random = rng(seed);
  const margins = Float64Array.from({ length: rows }, () => random() * 4 - 2);
  const y = Uint8Array.from({ length: rows }, () => (random() < 0.3 ? 1 : 0));
  const grad = logisticGradients(margins, y);
  return { grad, grid: gradientGrid(grad, Uint32Array.from({ length: rows }, (_, i) => i)) };
}
