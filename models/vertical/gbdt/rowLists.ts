// Row lists and split flags as message payloads: row indices as little-endian uint32, flags as one
// byte (0/1) per row. Reading checks the length and that every index is within the set's rows.

/** Little-endian uint32 bytes of `rows`. */
export function rowBytes(rows: Uint32Array): Uint8Array {
  const out = new Uint8Array(rows.length * 4);
  const view = new DataView(out.buffer);
  for (let k = 0; k < rows.length; k++) view.setUint32(4 * k, rows[k] as number, true);
  return out;
}

/** `count` row indices below `limit` from a payload; Error naming `what` otherwise. */
export function readRows(payload: Uint8Array | undefined, count: number, limit: number, what: string): Uint32Array {
  if (!payload || payload.length !== count * 4) throw new Error(`${what}: expected ${count} row indices (${count * 4} bytes), got ${payload?.length ?? 0} bytes`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const rows = new Uint32Array(count);
  for (let k = 0; k < count; k++) {
    const r = view.getUint32(4 * k, true);
    if (r >= limit) throw new Error(`${what}: row ${r} is past the ${limit} rows of the set`);
    rows[k] = r;
  }
  return rows;
}

/** `count` flags (0/1) from a payload; Error naming `what` otherwise. */
export function readFlags(payload: Uint8Array | undefined, count: number, what: string): Uint8Array {
  if (!payload || payload.length !== count) throw new Error(`${what}: expected ${count} flags, got ${payload?.length ?? 0} bytes`);
  for (const f of payload) if (f > 1) throw new Error(`${what}: a flag other than 0 or 1`);
  return Uint8Array.from(payload);
}
