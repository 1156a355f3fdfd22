// The training settings of a job are declared with the models that read them (models/training.ts);
// the coordinator, the parties and the wire messages import them from here.
export { BinningSchema, TrainingSchema, type Training } from '../../models/training.ts';
