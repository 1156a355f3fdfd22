// How a job names a party's table. The coordinator passes it through; only the party reads the file.
import { Type, type Static } from '@sinclair/typebox';

const Column = Type.String({ minLength: 1, maxLength: 256 });

export const DatasetSpecSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 4096 }),
    idColumn: Column,
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
