// Named schemas for the HTTP API. A schema given an `$id` here is added once to fastify
// (`addSchema`, in the plugin whose routes use it) and routes point at it with `ref`: request
// validation and reply serialization resolve the reference, @fastify/swagger emits the schema once as
// components.schemas.<$id>, and a client generated from the document gets one named type per concept.
import { CloneType, Type, type SchemaOptions, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

export type Named<T extends TSchema, Id extends string = string> = T & { $id: Id };

/** A copy of `schema` under the name `id` (the original, used on the wire elsewhere, is left as it is). */
export function named<T extends TSchema, Id extends string>(id: Id, schema: T): Named<T, Id> {
  return CloneType(schema, { $id: id }) as Named<T, Id>;
}

/** A `$ref` to a named schema that the type provider reads as the schema's own static type. */
export function ref<T extends TSchema>(schema: Named<T>, options: SchemaOptions = {}): TUnsafe<Static<T>> {
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id, options));
}
