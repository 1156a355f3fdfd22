// A member's side of the training rounds, without the network: train a round from the global model
// with the round's settings and pack the contribution (with the evaluation loss of the model the
// round starts from); take the round's decrypted sum and move to the next global model through the
// strategy; follow the stopping rule and hold on to the model it would keep. The party's member
// loop (party-node/jobs/horizontal/member.ts) runs it between encryption and decryption, and
// plaintext.ts with plain sums, so both train with the same code.
import type { Labels } from '../../check.ts';
import { inputError } from '../../check.ts';
import type { Matrix } from '../../matrix.ts';
import { logLoss } from '../../metrics/logLoss.ts';
import { privatizeUpdate, type DpSettings } from '../dp.ts';
import type { FederatedModel } from '../model.ts';
import { packUpdate, unpackUpdate, type UpdateWeights } from '../update.ts';
import type { Stop } from './stopping.ts';
import type { FitConfig, Strategy } from './strategy.ts';

export interface MemberTables {
  x: Matrix;
  y: Labels;
  /** Row weights of local training, if any. */
  weights?: Float64Array;
  evalX: Matrix;
  evalY: Labels;
}

export interface MemberRoundsOptions {
  model: FederatedModel;
  strategy: Strategy;
  /** Standardised as the job standardises (pooled, or the member's own with dp). */
  data: MemberTables;
  /** The job's training settings that do not change by round. */
  training: { batchSize: number; l2: number; seed: number };
  /** Without evaluation weights (dp) no loss is aggregated and only the round cap stops the job. */
  weights: UpdateWeights;
  /** Member-level DP: each update is clipped and noised (dp.ts) before it is packed. */
  dp?: { settings: DpSettings; uniform: () => number };
}

export interface RoundRecord {
  round: number;
  /** Contributors to the round's sum. */
  members: number;
  /** Pooled training loss of the round's local training. */
  trainLoss?: number;
  /** Pooled evaluation loss of the global model after this round (known one round later). */
  evalLoss?: number;
}

/** The pooled evaluation loss a member read from the last sum, reported with its next contribution. */
export interface Evaluated {
  /** The round after which the evaluated global model was made (0: the starting model). */
  round: number;
  loss: number;
}

export class MemberRounds {
  readonly history: RoundRecord[] = [];
  private readonly o: MemberRoundsOptions;
  private readonly evaluates: boolean;
  private readonly losses: number[] = [];
  private global: Float64Array;
  private keptModel: { round: number; params: Float64Array };
  private contributed = 0;

  constructor(o: MemberRoundsOptions) {
    if (o.dp && o.weights.evaluation) throw inputError('weights.evaluation', 'none with dp (ε covers the parameters only)', 'evaluation weights');
    this.o = o;
    this.evaluates = o.weights.evaluation !== undefined;
    this.global = o.model.init(o.training.seed);
    this.keptModel = { round: 0, params: this.global };
  }

  /** Rounds whose sums this member has taken. */
  get rounds(): number {
    return this.history.length;
  }

  /** The global model the next round starts from. */
  get current(): Float64Array {
    return this.global;
  }

  /** Rounds this member contributed to (the dp accountant counts them). */
  get contributions(): number {
    return this.contributed;
  }

  /** This member's contribution to `round`: local training from the current global model with the round's settings. */
  async fit(round: number, fit: FitConfig): Promise<{ vector: Float64Array; params: Float64Array; evaluated?: Evaluated }> {
    this.expectRound('round', round);
    const { model, data, training } = this.o;
    const local = await model.train(this.global, data.x, data.y, {
      epochs: fit.localEpochs, batchSize: training.batchSize, learningRate: fit.learningRate, l2: training.l2, mu: fit.mu, seed: training.seed, round,
    }, data.weights);
    const params = this.o.dp ? privatizeUpdate(local.params, this.global, this.o.dp.settings, this.o.dp.uniform).params : local.params;
    this.contributed++;
    const losses = this.evaluates ? { train: local.loss, evaluation: logLoss(await model.predict(this.global, data.evalX), data.evalY) } : undefined;
    const seen = this.losses.length;
    const evaluated = seen > 0 ? { round: seen - 1, loss: this.losses[seen - 1] as number } : undefined;
    return { vector: packUpdate(params, this.o.weights, losses), params, ...(evaluated ? { evaluated } : {}) };
  }

  /** Takes the decrypted sum of `round` from `members` contributors; returns the stop the rule gives after it, if any. */
  absorb(round: number, sum: Float64Array, members: number): Stop | undefined {
    this.expectRound('round', round);
    const { params, losses } = unpackUpdate(sum, this.o.model.parameters, this.evaluates);
    const started = this.global;
    this.global = this.o.strategy.nextGlobal(started, params);
    this.history.push({ round, members, ...(losses ? { trainLoss: losses.train } : {}) });
    if (losses) {
      // The sum's evaluation loss is that of the model the round started from (after round − 1).
      this.losses.push(losses.evaluation);
      const before = this.history[round - 2];
      if (before) before.evalLoss = losses.evaluation;
      if (this.o.strategy.keep(this.losses) === round - 1) this.keptModel = { round: round - 1, params: started };
    }
    return this.stop();
  }

  /** Where the strategy stands after the rounds taken so far: undefined while the job should go on. */
  stop(): Stop | undefined {
    return this.o.strategy.evaluate(this.rounds, this.evaluates ? this.losses : undefined);
  }

  /** The model a stop keeps: the last one at the round cap, the one the rule picked when converged. */
  kept(stop: Stop): Float64Array {
    if (stop.rounds !== this.rounds) throw inputError('stop.rounds', `the ${this.rounds} rounds taken`, `${stop.rounds}`);
    if (stop.kept === this.rounds) return this.global;
    if (stop.kept !== this.keptModel.round) throw inputError('stop.kept', `round ${this.keptModel.round} or ${this.rounds}`, `${stop.kept}`);
    return this.keptModel.params;
  }

  private expectRound(param: string, round: number): void {
    if (round !== this.rounds + 1) throw inputError(param, `round ${this.rounds + 1} (rounds come in order)`, `${round}`);
  }
}
