// Federated averaging (McMahan et al. 2017) through secure aggregation. A contributing member k
// uploads the vector [ (n_k/S)·θ_k , n_k/S ], where θ_k are its locally trained parameters, n_k
// its training rows and S a normaliser every member knows (the pooled row count from the scaling
// round). The coordinator only adds; members divide the parameter part of the sum by its last
// slot: θ = Σ n_k·θ_k / Σ n_k over the members that actually contributed, so a round that loses
// a member is renormalised over the others automatically. Scaling by S keeps every slot near the
// size of a weight, well inside the CKKS range and the rounding grid.

import { inputError } from '../check.ts';

export function weightedUpload(params: Float64Array, rows: number, normaliser: number): Float64Array {
  if (!(rows > 0) || !(normaliser > 0)) throw inputError('rows', 'a positive row count and normaliser', `${rows}, ${normaliser}`);
  const share = rows / normaliser;
  const out = new Float64Array(params.length + 1);
  for (let i = 0; i < params.length; i++) out[i] = share * (params[i] as number);
  out[params.length] = share;
  return out;
}

/** θ from a decrypted sum of weighted uploads of `parameters` values each. */
export function averageFromSum(sum: Float64Array, parameters: number): { params: Float64Array; share: number } {
  if (sum.length !== parameters + 1) throw inputError('sum', `${parameters + 1} values`, `${sum.length}`);
  const share = sum[parameters] as number;
  if (!(share > 0)) throw inputError('sum', 'a positive total weight in its last slot', String(share));
  const params = new Float64Array(parameters);
  for (let i = 0; i < parameters; i++) params[i] = (sum[i] as number) / share;
  return { params, share };
}
