// Federated averaging (McMahan et al. 2017) through secure aggregation. A contributing member k
// uploads the vector [ (n_k/S)·v_k , n_k/S ], where v_k are its locally trained parameters (and
// any per-member figure to average, such as its training loss), n_k its training rows and S a
// normaliser every member knows (the pooled row count from the scaling round). The coordinator
// only adds; members divide the sum by its last slot: v = Σ n_k·v_k / Σ n_k over the members that
// actually contributed, so a round that loses a member is renormalised over the others
// automatically. Scaling by S keeps every slot near the size of a weight, well inside the CKKS
// range and far above its rounding grid.

import { inputError } from '../check.ts';

export function weightedUpload(values: Float64Array, rows: number, normaliser: number): Float64Array {
  if (!(rows > 0) || !(normaliser > 0)) throw inputError('rows', 'a positive row count and normaliser', `${rows}, ${normaliser}`);
  const share = rows / normaliser;
  const out = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) out[i] = share * (values[i] as number);
  out[values.length] = share;
  return out;
}

/** The weighted average of `length` values from a decrypted sum of weighted uploads. */
export function averageFromSum(sum: Float64Array, length: number): { values: Float64Array; share: number } {
  if (sum.length !== length + 1) throw inputError('sum', `${length + 1} values`, `${sum.length}`);
  const share = sum[length] as number;
  if (!(share > 0)) throw inputError('sum', 'a positive total weight in its last slot', String(share));
  const values = new Float64Array(length);
  for (let i = 0; i < length; i++) values[i] = (sum[i] as number) / share;
  return { values, share };
}
