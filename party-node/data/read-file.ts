// Reads a data file's bytes and checks they are UTF-8. OS errors are reduced to a short
// reason because Node's own messages embed the full host path, which must not leave the party.

import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { FedmarkError } from '../../protocol/errors.ts';
import type { DataSource } from './csv.ts';

const OS_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file (a parent is not a directory)',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the path is too long',
  ERR_FS_FILE_TOO_LARGE: 'it is too large to load',
};

/** The file's bytes. Rejects bytes that are not UTF-8 rather than guessing a code page. */
export async function readDataFile(path: string, source: DataSource): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: osReason(err) }, { cause: err });
  }
  // A Latin-1 export would otherwise load with U+FFFD in IDs and category names.
  if (!isUtf8(bytes)) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: 'it is not UTF-8 text (re-export it as UTF-8)' });
  }
  return bytes;
}

function osReason(err: unknown): string {
  const code = errCode(err);
  if (code === undefined) return 'read failed';
  return OS_REASONS[code] ?? `read failed (${code})`;
}

function errCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
