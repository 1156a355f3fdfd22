// A model's intersection at a party, as scoring uses it: the IDs of the model's PSI in canonical
// order, read from the job's intersection.csv in batches into a compact ID column (data/idColumn.ts,
// about ID length + 4 bytes each), and the typed-array indexes scoring looks rows up in — at the
// guest, normalised ID → canonical row; at a host, handle → canonical row. A Map keyed by strings
// would cost some 80 to 130 bytes per customer more: over a gigabyte at ten million.
import { FedmarkError } from '../../errors/table.ts';
import { HANDLE_BYTES } from '../../protocol/messages/score.ts';
import { csvBatches } from '../data/csvStream.ts';
import { IdColumnBuilder, type IdColumn } from '../data/idColumn.ts';
import { IdRowIndex } from '../data/idHash.ts';
import { readDataChunks } from '../data/read-file.ts';
import { normalizeId } from '../data/dataset.ts';
import { workPath } from '../workPath.ts';

/** The IDs of job `job`'s intersection at this party, as written (trimmed), in canonical order. */
export async function readIntersection(workDir: string, job: string, party: string): Promise<IdColumn> {
  const path = workPath(workDir, 'jobs', job, 'intersection.csv');
  const ids = new IdColumnBuilder();
  try {
    for await (const { table } of csvBatches(readDataChunks(path, { party, file: 'intersection.csv' }), { party, file: 'intersection.csv', delimiter: ',' })) {
      for (let r = 0; r < table.rows; r++) ids.push(table.field(r, 0).trim());
    }
  } catch (err) {
    throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name: `the intersection of job ${job}`, version: `at party ${party}` }, { cause: err });
  }
  return ids.build();
}

/** Normalised ID → canonical row of an intersection. */
export function sharedIndex(ids: IdColumn, idCaseSensitive: boolean): IdRowIndex {
  return new IdRowIndex({ length: ids.length, at: (r) => {
    const id = ids.at(r);
    return id === undefined ? undefined : normalizeId(id, idCaseSensitive);
  } });
}

/**
 * Handle → canonical row, for the handles shared with one partner (concatenated in canonical
 * order). Handles are keyed BLAKE2b output, uniform, so their first four bytes are the hash.
 */
export class HandleIndex {
  private readonly handles: Buffer;
  /** Row + 1 per slot, 0 = empty. */
  private readonly slots: Uint32Array;

  constructor(handles: Buffer) {
    this.handles = handles;
    const rows = Math.floor(handles.length / HANDLE_BYTES);
    let size = 1 << 4;
    while (4 * rows > 3 * size) size *= 2;
    this.slots = new Uint32Array(size);
    const mask = size - 1;
    for (let r = 0; r < rows; r++) {
      let slot = handles.readUInt32LE(r * HANDLE_BYTES) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = r + 1;
    }
  }

  /** The row of the handle at `offset` of `bytes`, or undefined for a handle this party does not hold. */
  get(bytes: Buffer, offset: number): number | undefined {
    const mask = this.slots.length - 1;
    for (let slot = bytes.readUInt32LE(offset) & mask, held = this.slots[slot]!; held !== 0; slot = (slot + 1) & mask, held = this.slots[slot]!) {
      const at = (held - 1) * HANDLE_BYTES;
      if (this.handles.compare(bytes, offset, offset + HANDLE_BYTES, at, at + HANDLE_BYTES) === 0) return held - 1;
    }
    return undefined;
  }

  get byteLength(): number {
    return this.slots.byteLength;
  }
}
