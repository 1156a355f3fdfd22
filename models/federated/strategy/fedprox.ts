// FedProx (Li et al., "Federated optimization in heterogeneous networks", MLSys 2020): FedAvg whose
// members add μ/2·‖θ − θ_global‖² to their local objective, which holds each member's model near
// the global one over several local epochs on data unlike the others' (client drift). μ goes to the
// members with each round's settings; the proximal gradient μ·(θ − θ_global) is applied in the
// models' local training (models/federated/logisticModel.ts, models/mlp/). With μ = 0 it is FedAvg.
import { averagingStrategy } from './fedavg.ts';
import type { StrategyModule } from './strategy.ts';

export const FEDPROX: StrategyModule = {
  check: (s) => (s.mu === undefined ? { field: 'mu', reason: 'FedProx needs its proximal weight μ (e.g. 0.1; Li et al. tried 0.001 to 1)' } : undefined),
  create: (s) => averagingStrategy('fedprox', s, s.mu ?? 0),
};
