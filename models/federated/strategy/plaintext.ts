// Horizontal training in one process, with plain sums standing in for the secure aggregate (the
// CKKS sums members decrypt equal these up to the 2^-20 grid they are rounded to): the same
// scaling maths, strategy, rounds loop and member code as a real job, without keys, links or
// processes. For tests and for choosing defaults from runs; in a job, sums are only ever decrypted
// by members. Not for dp (its noise and equal weights are a member's, tested in dp.test.ts).
import { checkMatrix, type Matrix } from '../../matrix.ts';
import { inputError, type Labels } from '../../check.ts';
import { applyStandardizer, type Standardizer } from '../../features/standardize.ts';
import type { FederatedModel } from '../model.ts';
import { scalingFromSum, scalingUpload } from '../scaling.ts';
import { MemberRounds, type RoundRecord } from './memberRounds.ts';
import { runRounds, type Contribution } from './rounds.ts';
import type { Stop } from './stopping.ts';
import type { Strategy } from './strategy.ts';

export interface PlaintextMember {
  id: string;
  /** Raw feature values, in the same column order at every member. */
  x: Matrix;
  y: Labels;
  weights?: Float64Array;
  evalX: Matrix;
  evalY: Labels;
}

export interface PlaintextRun {
  stop: Stop;
  /** The kept global model, the same at every member. */
  params: Float64Array;
  /** The pooled standardiser the members derived (apply it before scoring with params). */
  standardizer: Standardizer;
  /** Pooled evaluation loss of the global model after each round (0: the starting model). */
  losses: number[];
  history: RoundRecord[];
  /** Per round, the largest distance ‖θ_k − θ_global‖ of a member's local model from the global model it started from. */
  drift: number[];
}

export async function federatePlaintext(
  members: readonly PlaintextMember[], model: FederatedModel, strategy: Strategy, training: { batchSize: number; l2: number; seed: number },
): Promise<PlaintextRun> {
  if (members.length === 0) throw inputError('members', 'at least one member', 'none');
  const cols = (members[0] as PlaintextMember).x.cols;
  for (const m of members) {
    checkMatrix(`members ${m.id} x`, m.x, cols);
    checkMatrix(`members ${m.id} evalX`, m.evalX, cols);
  }
  // Scaling: the sum of every member's moments and row counts.
  const sum = new Float64Array(3 * cols + 2);
  for (const m of members) scalingUpload(m.x, m.evalX.rows).forEach((v, i) => (sum[i]! += v));
  const { standardizer, rows, evalRows } = scalingFromSum(sum, cols);
  const byId = new Map(members.map((m) => [m.id, new MemberRounds({
    model, strategy, training,
    data: { x: applyStandardizer(standardizer, m.x), y: m.y, ...(m.weights ? { weights: m.weights } : {}), evalX: applyStandardizer(standardizer, m.evalX), evalY: m.evalY },
    weights: { rows: m.x.rows, normaliser: rows, evaluation: { rows: m.evalX.rows, normaliser: evalRows } },
  })]));
  const drift: number[] = [];
  const { stop, losses } = await runRounds<Float64Array>(strategy, {
    live: () => [...byId.keys()],
    collect: async (round, plan) => {
      const results: Contribution<Float64Array>[] = [];
      let largest = 0;
      for (const id of plan.asked) {
        const m = byId.get(id) as MemberRounds;
        const { vector, params, evaluated } = await m.fit(round, plan.fit);
        largest = Math.max(largest, distance(params, m.current));
        results.push({ member: id, value: vector, ...(evaluated ? { evaluated } : {}) });
      }
      drift.push(largest);
      return { results, failures: [] };
    },
    add: (chosen) => {
      const out = new Float64Array((chosen[0] as Contribution<Float64Array>).value.length);
      for (const c of chosen) c.value.forEach((v, i) => (out[i]! += v));
      return out;
    },
    deliver: (round, total, contributors) => {
      for (const m of byId.values()) m.absorb(round, total, contributors.length);
    },
  }, true);
  const kept = [...byId.values()].map((m) => {
    const own = m.stop();
    if (own?.reason !== stop.reason || own.kept !== stop.kept) throw inputError('stop', `every member's rule to agree (${stop.reason}, round ${stop.kept})`, `${own?.reason}, round ${own?.kept}`);
    return m.kept(stop);
  });
  const first = byId.values().next().value as MemberRounds;
  return { stop, params: kept[0] as Float64Array, standardizer, losses, history: first.history, drift };
}

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(s);
}
