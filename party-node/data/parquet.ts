// Parquet files through hyparquet (pure JavaScript, no native build, no install-time download;
// reads the footer first, then only the byte ranges asked for). A table is read one row group at
// a time, so memory holds one group's decoded values beside the columns the loader keeps. A
// column's type comes from the file's schema, never from the values, so a numeric feature stored
// as text is refused by name before any row is read.

import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData, SchemaElement } from 'hyparquet';
import { FedmarkError } from '../../errors/table.ts';
import type { DataSource } from './csv.ts';
import type { TableBatch } from './dataset.ts';
import { osReason } from './read-file.ts';
import { ColumnTable, type Cell, type ColumnType, type TypedColumn } from './table.ts';

export interface ParquetColumn {
  name: string;
  type: ColumnType;
}

interface Opened {
  file: AsyncBuffer;
  metadata: FileMetaData;
  columns: ParquetColumn[];
  rows: number;
}

/** Column names, types and the row count, from the footer alone. */
export async function describeParquet(path: string, source: DataSource): Promise<{ columns: ParquetColumn[]; rows: number }> {
  const { columns, rows } = await open(path, source);
  return { columns, rows };
}

/** Every top-level column of the file, one row group per batch. */
export async function* readParquetBatches(path: string, source: DataSource): AsyncGenerator<TableBatch> {
  const { file, metadata, columns: chosen } = await open(path, source);
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    const groupEnd = groupStart + rows;
    const values = new Map<string, Cell[]>(chosen.map((c) => [c.name, new Array<Cell>(rows)]));
    try {
      await parquetRead({
        file,
        metadata,
        columns: chosen.map((c) => c.name),
        rowStart: groupStart,
        rowEnd: groupEnd,
        onChunk: ({ columnName, columnData, rowStart }) => {
          const target = values.get(columnName);
          if (target === undefined) return;
          // A chunk may reach outside the rows asked for: keep this group's only.
          const from = Math.max(groupStart, rowStart);
          const to = Math.min(groupEnd, rowStart + columnData.length);
          for (let row = from; row < to; row++) target[row - groupStart] = columnData[row - rowStart] as Cell;
        },
      });
    } catch (err) {
      throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: `its Parquet data cannot be decoded (${describe(err)})` }, { cause: err });
    }
    const typed: TypedColumn[] = chosen.map((c) => ({ ...c, values: values.get(c.name)! }));
    if (rows > 0) yield { table: new ColumnTable(typed, rows), firstRow: groupStart };
    groupStart = groupEnd;
  }
}

async function open(path: string, source: DataSource): Promise<Opened> {
  let file: AsyncBuffer;
  try {
    file = await asyncBufferFromFile(path);
  } catch (err) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: osReason(err) }, { cause: err });
  }
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: 'it is not a Parquet file (no valid footer)' }, { cause: err });
  }
  const root = parquetSchema(metadata);
  const columns = root.children.map((child) => ({ name: child.element.name, type: columnType(child.element, child.children.length) }));
  return { file, metadata, columns, rows: Number(metadata.num_rows) };
}

function columnType(e: SchemaElement, children: number): ColumnType {
  if (children > 0) return 'other'; // nested groups (lists, maps, structs) are no table column
  const logical = e.logical_type?.type;
  if (logical === 'STRING' || logical === 'ENUM' || logical === 'UUID' || e.converted_type === 'UTF8') return 'text';
  if (logical === 'DATE' || logical === 'TIMESTAMP' || e.converted_type === 'DATE' || e.converted_type?.startsWith('TIMESTAMP')) return 'date';
  if (logical === 'DECIMAL' || e.converted_type === 'DECIMAL') return 'number';
  switch (e.type) {
    case 'BOOLEAN': return 'boolean';
    case 'INT32':
    case 'INT64': return 'integer';
    case 'FLOAT':
    case 'DOUBLE': return 'number';
    default: return 'other';
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
}
