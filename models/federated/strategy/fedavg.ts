// FedAvg (McMahan et al., "Communication-efficient learning of deep networks from decentralized
// data", AISTATS 2017): each round a sample of the members trains from the global model, and the
// next global model is the average of their models weighted by their training rows. The weights
// are applied by each member before it encrypts (models/federated/update.ts), so the coordinator's
// half is a plain sum of the contributions, refused when fewer than minMembers contributed: every
// member decrypts the sum, and a sum of one or two shows a member's update to the others.
import { checkInteger, checkNumber, inputError } from '../../check.ts';
import { sampleMembers } from './sample.ts';
import { bestSoFar, checkStoppingRule, converged, roundCap } from './stopping.ts';
import type { Strategy, StrategyModule, StrategySettings } from './strategy.ts';

/** Sample-weighted averaging with a proximal weight `mu` in local training: FedAvg with mu = 0, FedProx otherwise. */
export function averagingStrategy(name: string, s: StrategySettings, mu: number): Strategy {
  checkInteger('rounds', s.rounds, 1);
  checkInteger('localEpochs', s.localEpochs, 1);
  checkNumber('learningRate', s.learningRate, 0, Infinity, { min: true });
  checkNumber('mu', mu, 0, Infinity);
  checkNumber('sampleFraction', s.sampleFraction, 0, 1, { min: true });
  checkInteger('minMembers', s.minMembers, 1);
  if (s.stopping) checkStoppingRule(s.stopping);
  const fit = Object.freeze({ learningRate: s.learningRate, localEpochs: s.localEpochs, mu });
  return {
    name,
    maxRounds: s.rounds,
    configureFit: (round, live) => ({ asked: sampleMembers(live, s, s.seed, round), fit: { ...fit } }),
    aggregateFit: (_round, results, _failures, add) => {
      if (results.length < s.minMembers) return { refused: { got: results.length, needed: s.minMembers } };
      return { sum: add(results), contributors: results.map((r) => r.member) };
    },
    nextGlobal: (global, average) => {
      if (average.length !== global.length) throw inputError('average', `${global.length} values`, `${average.length}`);
      return average.slice();
    },
    evaluate: (rounds, losses) => {
      const cap = roundCap(s.rounds, rounds);
      if (cap || losses === undefined || s.stopping === undefined) return cap;
      if (losses.length !== rounds) throw inputError('losses', `one per aggregated round (${rounds})`, `${losses.length}`);
      return converged(s.stopping, losses);
    },
    keep: (losses) => bestSoFar(losses, s.stopping?.minDelta ?? 0).best,
  };
}

export const FEDAVG: StrategyModule = {
  check: (s) => (s.mu !== undefined && s.mu !== 0 ? { field: 'mu', reason: 'FedAvg has no proximal term; set strategy: fedprox to train with μ' } : undefined),
  create: (s) => averagingStrategy('fedavg', s, 0),
};
