// Reads a data file's bytes, gunzipping a `.gz` file, and checks they are UTF-8. OS errors are
// reduced to a short reason because Node's own messages embed the full host path, which must not
// leave the party.
//
// Compression is chosen by the file name, never guessed from the bytes: a `.gz` name that is not
// gzip, or gzip bytes under another name, is an error that says which, so a mislabelled export is
// caught at load time rather than parsed as binary noise.

import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { FedmarkError } from '../../errors/table.ts';
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

// The CSV parser's byte offsets are 32-bit.
const MAX_TEXT_BYTES = 0xffffffff;
const gunzipAsync = promisify(gunzip);

/** The file's bytes. Rejects bytes that are not UTF-8 rather than guessing a code page. */
export async function readDataFile(path: string, source: DataSource): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: osReason(err) }, { cause: err });
  }
  if (isGzipName(path)) bytes = await decompress(bytes, source);
  else if (hasGzipMagic(bytes)) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: 'it is gzip-compressed but its name does not end in .gz (rename it to .csv.gz)' });
  }
  // A Latin-1 export would otherwise load with U+FFFD in IDs and category names.
  if (!isUtf8(bytes)) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: 'it is not UTF-8 text (re-export it as UTF-8)' });
  }
  return bytes;
}

function isGzipName(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

function hasGzipMagic(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

async function decompress(bytes: Buffer, source: DataSource): Promise<Buffer> {
  if (!hasGzipMagic(bytes)) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: 'its name ends in .gz but it is not gzip-compressed' });
  }
  try {
    return await gunzipAsync(bytes, { maxOutputLength: MAX_TEXT_BYTES });
  } catch (err) {
    const reason = errCode(err) === 'ERR_BUFFER_TOO_LARGE' ? 'it is too large to load once decompressed (over 4 GiB)' : 'its gzip data is damaged or cut short';
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason }, { cause: err });
  }
}

/** A short reason for an OS error, without the path Node puts in its message. */
export function osReason(err: unknown): string {
  const code = errCode(err);
  if (code === undefined) return 'read failed';
  return OS_REASONS[code] ?? `read failed (${code})`;
}

function errCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
