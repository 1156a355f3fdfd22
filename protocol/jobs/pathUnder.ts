// The one place a file path is built from a job, model or upload name. Names are checked when a
// job is submitted and when a party receives it; this is the last check, at the file itself, so a
// name that slipped past both still cannot put a file outside the folder it belongs in.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { FedmarkError } from '../../errors/table.ts';

/** Whether a path relative to a folder (node's `relative`) names something strictly below it. */
export function isStrictlyInside(rel: string): boolean {
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * `root` joined with `segments`, refused with FM_ERR_JOB_PATH unless it resolves strictly below
 * `root`. `place` names the folder for the message ("the party's work folder"), never its path.
 */
export function pathUnder(root: string, place: string, ...segments: string[]): string {
  const base = resolve(root);
  const path = resolve(base, ...segments);
  if (!isStrictlyInside(relative(base, path))) {
    throw new FedmarkError('FM_ERR_JOB_PATH', { name: JSON.stringify(segments.join('/').slice(0, 200)), place });
  }
  return path;
}
