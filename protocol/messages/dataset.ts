// How a job names a party's table: by the name of a dataset in the party's catalogue (its config),
// with column settings that override the catalogue's defaults. The coordinator passes it through;
// only the party knows where the data is. `path` names a file instead, and only a party whose
// config serves dataRoots (those `fedmark simulate` generates) accepts it.
import { Type, type Static } from '@sinclair/typebox';

const Column = Type.String({ minLength: 1, maxLength: 256 });

/** A catalogue entry's name, as job files and listings show it. */
export const DatasetName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });

export const DatasetSpecSchema = Type.Object(
  {
    dataset: Type.Optional(DatasetName),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** Required unless the catalogue entry gives it. */
    idColumn: Type.Optional(Column),
    labelColumn: Type.Optional(Column),
    consentColumn: Type.Optional(Column),
    features: Type.Optional(Type.Array(Column, { maxItems: 100_000 })),
    categorical: Type.Optional(Type.Array(Column, { maxItems: 100_000 })),
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
    idCaseSensitive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type DatasetSpecWire = Static<typeof DatasetSpecSchema>;

/** A second table for evaluation: another catalogue dataset, or (simulate only) a file. */
export const EvaluationSchema = Type.Object(
  { dataset: Type.Optional(DatasetName), path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })) },
  { additionalProperties: false },
);

/** Aggregates a party may report about its table: counts and rates, never values. */
export const DatasetStatsSchema = Type.Object(
  {
    totalRows: Type.Integer({ minimum: 0 }),
    consentingRows: Type.Integer({ minimum: 0 }),
    droppedWithoutConsent: Type.Integer({ minimum: 0 }),
    features: Type.Integer({ minimum: 0 }),
    labelPositives: Type.Optional(Type.Integer({ minimum: 0 })),
    missingRate: Type.Record(Type.String({ maxLength: 256 }), Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
export type DatasetStatsWire = Static<typeof DatasetStatsSchema>;

const ColumnType = Type.Union(['integer', 'number', 'boolean', 'text', 'date', 'other'].map((t) => Type.Literal(t)));

/**
 * One dataset of a party's catalogue as a scientist may see it: its name, its columns with their
 * types, its row count — nothing else (no path, no connection, no values). A dataset the party
 * could not read carries the reason instead.
 */
export const CatalogueEntrySchema = Type.Object(
  {
    name: DatasetName,
    rows: Type.Optional(Type.Integer({ minimum: 0 })),
    columns: Type.Optional(Type.Array(Type.Object({ name: Column, type: ColumnType }, { additionalProperties: false }), { maxItems: 100_000 })),
    error: Type.Optional(Type.Object({ code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 2000 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type CatalogueEntry = Static<typeof CatalogueEntrySchema>;

/** coordinator -> party: list your datasets (the party's policy decides). */
export const DatasetsList = Type.Object({}, { additionalProperties: false });
/** party -> coordinator: the listing, or an error in the envelope. */
export const DatasetsListed = Type.Object(
  { datasets: Type.Array(CatalogueEntrySchema, { maxItems: 1000 }) },
  { additionalProperties: false },
);
