// The files of `fedmark score`: the ID list a caller gives (a CSV read with csv-parse, so quoted
// IDs and any of the delimiters the party's loader accepts work) and the batch stream written to
// --out, with the progress and error lines the coordinator interleaves kept out of the file.
// csv-parse rather than the party's own reader: the CLI runs on the caller's machine and must not
// depend on party-node code (dependencies go coordinator/party-node → protocol/models only).
import { parse } from 'csv-parse/sync';
import { FedmarkError } from '../../errors/table.ts';

/**
 * The IDs of a CSV whose first line is a header: the column `idColumn`, else the one named `id`
 * (any case), else the only column. Empty cells are skipped.
 */
export function idsFromCsv(bytes: Uint8Array, file: string, idColumn?: string): string[] {
  const records = readRecords(bytes, file);
  const header = (records[0] ?? []).map((h) => h.trim());
  const wanted = idColumn ?? (header.length === 1 ? header[0] : header.find((h) => h.toLowerCase() === 'id'));
  const column = wanted === undefined ? -1 : header.indexOf(wanted);
  if (column < 0) {
    const reason = idColumn === undefined ? `no column is named "id" among its ${header.length}: name it with --id-column` : `has no column "${idColumn}"`;
    throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: `--file ${file}`, reason });
  }
  return records.slice(1).map((r) => (r[column] ?? '').trim()).filter(Boolean);
}

function readRecords(bytes: Uint8Array, file: string): string[][] {
  let records: string[][];
  try {
    records = parse(Buffer.from(bytes), { bom: true, delimiter: [',', ';', '\t', '|'], skip_empty_lines: true, relax_column_count: true });
  } catch (err) {
    throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: `--file ${file}`, reason: err instanceof Error ? err.message : String(err) }, { cause: err });
  }
  const width = records[0]?.length ?? 0;
  const bad = records.findIndex((r) => r.length !== width);
  if (bad > 0) {
    throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: `--file ${file}`, reason: `${file} row ${bad}: has ${records[bad]?.length} fields, the header has ${width}` });
  }
  return records;
}

export interface BatchLine {
  /** A result line, written to the file as it came. */
  result?: string;
  /** NDJSON progress: IDs done of the total. */
  progress?: { done: number; total: number };
  /** The coordinator stopped mid-stream. */
  error?: string;
}

/** One line of the batch stream (without its line end), as NDJSON or CSV. */
export function classifyBatchLine(line: string, format: 'csv' | 'ndjson'): BatchLine {
  if (format === 'csv') {
    const error = /^# error (.*)$/.exec(line);
    return error ? { error: error[1] as string } : { result: line };
  }
  const parsed = JSON.parse(line) as { progress?: { done: number; total: number }; error?: { code?: string; message?: string } };
  if (parsed.progress) return { progress: parsed.progress };
  if (parsed.error) return { error: `${parsed.error.code}: ${parsed.error.message}` };
  return { result: line };
}
