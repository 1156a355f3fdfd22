// What a vertical model is to the rest of fedmark: everything the job file, the parties' training
// and scoring, and the arbiter need to know of it. Adding a model is one folder beside logistic/
// that exports one of these, and one line in registry.ts.
import type { TProperties } from '@sinclair/typebox';

export interface VerticalModel<Name extends string = string, Settings extends TProperties = TProperties> {
  /** The job file's `model:`. */
  readonly name: Name;
  /** The job-file sections the model reads (each optional, defaults filled in when a job is submitted). */
  readonly settings: Settings;
}
