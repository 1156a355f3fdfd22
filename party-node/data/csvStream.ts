// A CSV table read in batches from a stream of chunks (read-file.ts readDataChunks), so memory
// holds one batch of the file's text at a time, never the whole file, and a file may be larger
// than the 4 GiB the 32-bit offsets of one parse allow. Each batch is a CsvTable of the records
// that ended in it; a record cut by the end of a batch is carried over to the next one. Rows and
// errors are numbered as if the file had been parsed whole (csv.ts).

import { Buffer } from 'node:buffer';
import { FedmarkError } from '../../errors/table.ts';
import { readHeader, scanRecords, type CsvHeader, type CsvOptions, type CsvTable } from './csv.ts';

/** About this much text per batch: a few tens of thousands of rows of a wide table. */
export const BATCH_BYTES = 4 << 20;
/** A record longer than this is a quote left open, not data: stop before reading the rest of the file into memory. */
const MAX_RECORD_BYTES = 64 << 20;

export interface CsvBatch {
  table: CsvTable;
  /** 0-based data row of the table's first row in the whole file. */
  firstRow: number;
}

/** The data records of the stream in batches of about `batchBytes`; none for a file without any. */
export async function* csvBatches(chunks: AsyncIterable<Buffer>, options: CsvOptions, batchBytes = BATCH_BYTES): AsyncGenerator<CsvBatch> {
  const source = { party: options.party, file: options.file };
  const pieces = chunks[Symbol.asyncIterator]();
  let done = false;
  let carry: Buffer = Buffer.alloc(0);
  let head: CsvHeader | undefined;
  let firstRow = 0;
  while (!done) {
    const parts: Buffer[] = [carry];
    let size = carry.length;
    while (!done && size < carry.length + batchBytes) {
      const next = await pieces.next();
      if (next.done) done = true;
      else {
        parts.push(next.value);
        size += next.value.length;
      }
    }
    const bytes = parts.length === 1 ? carry : Buffer.concat(parts, size);
    let from = 0;
    if (head === undefined) {
      head = readHeader(bytes, options, done);
      if (head === undefined) {
        carry = bytes;
        continue;
      }
      from = head.next;
    }
    const { table, next } = scanRecords(bytes, { ...head, next: from, source, firstRow, final: done });
    if (table.rows > 0) yield { table, firstRow };
    firstRow += table.rows;
    // A copy, so the batch's buffer is not kept alive by the few bytes carried over.
    carry = Buffer.from(bytes.subarray(next));
    if (carry.length > MAX_RECORD_BYTES) {
      throw new FedmarkError('FM_ERR_DATA_ROW', { ...source, row: firstRow + 1, reason: `the record is longer than ${MAX_RECORD_BYTES >> 20} MiB (a quoted field left open?)` });
    }
  }
}
