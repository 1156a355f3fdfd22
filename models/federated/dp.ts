// Member-level differential privacy for federated averaging (DP-FedAvg, McMahan et al., "Learning
// differentially private recurrent language models", ICLR 2018), with the noise added by each
// member to its own contribution before encryption, so that the sums the other members decrypt
// are private with respect to each member's whole table:
//   Δ_k = θ_k − θ_global, clipped to L2 norm ≤ C, plus Gaussian noise N(0, (σ·C)²) per coordinate.
// Each round a member contributes to is one Gaussian mechanism with L2 sensitivity C (adding or
// removing the member's data moves its clipped update by at most C) and noise multiplier σ.
// The privacy spent over T contributions comes from Rényi DP (Mironov 2017): the Gaussian
// mechanism is (α, α/(2σ²))-RDP, RDP composes by addition, and (α, ρ)-RDP implies
// (ρ + log(1/δ)/(α − 1), δ)-DP; we report the minimum over a grid of orders α. Member sampling is
// known to the coordinator and is not counted as amplification. The figure bounds what any other
// party learns about one member from the job's sums; it is not record-level DP.
import { inputError } from '../check.ts';

export interface DpSettings {
  /** L2 clipping norm C of a member's update. */
  clip: number;
  /** σ: noise standard deviation in units of C. */
  noiseMultiplier: number;
  delta: number;
}

/** θ_global + clip(θ_local − θ_global) + N(0, (σC)²); `uniform` returns values in (0, 1) from a CSPRNG. */
export function privatizeUpdate(local: Float64Array, global: Float64Array, dp: DpSettings, uniform: () => number): { params: Float64Array; norm: number } {
  if (local.length !== global.length) throw inputError('local', `${global.length} values`, `${local.length}`);
  if (!(dp.clip > 0) || !(dp.noiseMultiplier >= 0)) throw inputError('dp', 'clip > 0 and noiseMultiplier ≥ 0', `${dp.clip}, ${dp.noiseMultiplier}`);
  let sq = 0;
  for (let i = 0; i < local.length; i++) sq += ((local[i] as number) - (global[i] as number)) ** 2;
  const norm = Math.sqrt(sq);
  const factor = norm > dp.clip ? dp.clip / norm : 1;
  const std = dp.noiseMultiplier * dp.clip;
  const out = new Float64Array(local.length);
  for (let i = 0; i < local.length; i++) out[i] = (global[i] as number) + factor * ((local[i] as number) - (global[i] as number)) + std * gaussian(uniform);
  return { params: out, norm };
}

/** Box–Muller: one standard normal from two uniforms in (0, 1). */
function gaussian(uniform: () => number): number {
  const u1 = uniform();
  const u2 = uniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

const ORDERS = [1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64, 128, 256, 512, 1024];

/** (ε, δ) after `steps` Gaussian mechanisms of noise multiplier σ, through RDP. */
export function gaussianEpsilon(noiseMultiplier: number, steps: number, delta: number): { epsilon: number; order: number } {
  if (!(noiseMultiplier > 0)) return { epsilon: Infinity, order: Number.NaN };
  if (!(delta > 0 && delta < 1)) throw inputError('delta', 'a number in (0, 1)', String(delta));
  let best = { epsilon: Infinity, order: Number.NaN };
  for (const a of ORDERS) {
    const eps = (steps * a) / (2 * noiseMultiplier ** 2) + Math.log(1 / delta) / (a - 1);
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  }
  return best;
}
