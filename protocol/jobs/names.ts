// Job names (which are also model names) and job IDs become folder and file names at the
// coordinator and at every party: the run folder, shards, checkpoints, population scores,
// audiences. So each must be one short path segment that means the same on every file system:
// lower case only, because a case-insensitive file system (macOS, Windows) would merge
// `Propensity` and `propensity` into one folder and one model's shards would overwrite the
// other's; no `/`, `\` or leading `.`, so no `..`; at most 63 characters, far inside any
// file-name limit once a party adds its suffixes. Checked when a job is submitted and again by
// each party (party-node/jobs/checkPrepare.ts), since a coordinator that skips the check could
// send any name over the wire.

export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const NAME_RULE = '1 to 63 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter or digit';

/** Why `value` cannot name a job, model or folder; undefined when it can. */
export function nameProblem(value: string): string | undefined {
  if (NAME_PATTERN.test(value)) return undefined;
  if (value.length > 63) return `${value.length} characters is too long: expected ${NAME_RULE}`;
  return `expected ${NAME_RULE}`;
}
