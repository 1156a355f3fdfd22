// A job names files by path; a party reads only files below the directories its own config
// serves, so a coordinator cannot make it read anything else.
import { realpath } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import { isStrictlyInside } from '../../protocol/jobs/pathUnder.ts';
import { FedmarkError } from '../../errors/table.ts';

export async function checkUnderRoots(party: string, path: string, roots: readonly string[]): Promise<string> {
  const wanted = resolve(path);
  // Resolve symlinks where the file exists, so a link cannot point out of a root.
  const real = await realpath(wanted).catch(() => wanted);
  for (const root of roots) {
    const realRoot = await realpath(resolve(root)).catch(() => resolve(root));
    const rel = relative(realRoot, real);
    if (rel === '' || isStrictlyInside(rel)) return real;
  }
  // The directories and the resolved path describe this host: they stay in the party's own log.
  throw new FedmarkError('FM_ERR_DATA_PATH', { party, file: basename(wanted) }, { local: { path: real, roots: roots.join(', ') } });
}
