// Reads a data file's bytes, gunzipping a `.gz` file, and checks they are UTF-8: whole
// (readDataFile, for small files such as seed lists) or as a stream of chunks (readDataChunks, for
// tables, so memory never holds the file's text). OS errors are reduced to a short reason because
// Node's own messages embed the full host path, which must not leave the party.
//
// Compression is chosen by the file name, never guessed from the bytes: a `.gz` name that is not
// gzip, or gzip bytes under another name, is an error that says which, so a mislabelled export is
// caught at load time rather than parsed as binary noise.

import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';
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

// The whole-file reader hands one buffer to the CSV parser, whose byte offsets are 32-bit.
const MAX_TEXT_BYTES = 0xffffffff;
/** Bytes read from disk per step of a stream. */
const READ_BYTES = 1 << 20;
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
  if (!isUtf8(bytes)) throw notUtf8(source);
  return bytes;
}

/**
 * The file's bytes as a stream of UTF-8 chunks, gunzipped for a `.gz` name, each chunk ending on a
 * character boundary so it can be parsed alone. Same checks and messages as readDataFile, made as
 * the bytes arrive: a damaged byte far into a file is reported when the stream reaches it.
 */
export async function* readDataChunks(path: string, source: DataSource, readBytes = READ_BYTES): AsyncGenerator<Buffer> {
  const gzipName = isGzipName(path);
  const head = await firstBytes(path, source);
  if (gzipName && !hasGzipMagic(head) && head.length > 0) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: 'its name ends in .gz but it is not gzip-compressed' });
  }
  if (!gzipName && hasGzipMagic(head)) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: 'it is gzip-compressed but its name does not end in .gz (rename it to .csv.gz)' });
  }
  const file = createReadStream(path, { highWaterMark: readBytes });
  const stream: Readable = gzipName ? file.pipe(createGunzip({ chunkSize: Math.max(readBytes, 64) })) : file;
  if (gzipName) file.on('error', (err) => stream.destroy(err));
  let tail: Buffer = Buffer.alloc(0);
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      const bytes = tail.length === 0 ? piece : Buffer.concat([tail, piece]);
      const cut = completeUpTo(bytes);
      const whole = bytes.subarray(0, cut);
      // A Latin-1 export would otherwise load with U+FFFD in IDs and category names.
      if (!isUtf8(whole)) throw notUtf8(source);
      tail = Buffer.from(bytes.subarray(cut));
      if (whole.length > 0) yield whole;
    }
  } catch (err) {
    if (err instanceof FedmarkError) throw err;
    const code = errCode(err);
    const reason = code?.startsWith('Z_') === true || code === 'ERR_ZLIB_INITIALIZATION_FAILED' ? 'its gzip data is damaged or cut short' : osReason(err);
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason }, { cause: err });
  } finally {
    stream.destroy();
    file.destroy();
  }
  if (tail.length > 0) throw notUtf8(source);
}

/** The first two bytes (fewer for a shorter file), or the OS reason the file cannot be opened. */
async function firstBytes(path: string, source: DataSource): Promise<Buffer> {
  try {
    const handle = await open(path, 'r');
    try {
      const head = Buffer.alloc(2);
      const { bytesRead } = await handle.read(head, 0, 2, 0);
      return head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: osReason(err) }, { cause: err });
  }
}

/**
 * Where the last complete UTF-8 character ends: a lead byte in the last three bytes whose sequence
 * runs past the end is held back for the next chunk. Anything malformed is left for isUtf8.
 */
function completeUpTo(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if (b < 0x80) return n; // ASCII: nothing pending
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return length > back ? n - back : n;
    }
  }
  return n;
}

function notUtf8(source: DataSource): FedmarkError {
  return new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: 'it is not UTF-8 text (re-export it as UTF-8)' });
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
