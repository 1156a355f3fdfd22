// What is wrong with a job file: the field, named as in the YAML, and why.
export interface JobProblem {
  field: string;
  reason: string;
}
