// Every file a party writes or reads from a job, model or upload name lives below its work folder;
// this builds those paths and refuses any that would leave it (see protocol/jobs/pathUnder.ts).
import { pathUnder } from '../protocol/jobs/pathUnder.ts';

export function workPath(workDir: string, ...segments: string[]): string {
  return pathUnder(workDir, "the party's work folder", ...segments);
}
