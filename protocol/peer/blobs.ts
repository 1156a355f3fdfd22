// Binary payloads shared by every conversation that carries numbers or ciphertexts (vertical and
// horizontal training, scoring, the arbiter): lists of byte strings and float64 vectors, both
// little-endian, so nothing travels as base64 inside JSON.

/** Length-prefixed concatenation of byte strings (ciphertexts): u32 count, then u32 length + bytes each. */
export function packBlobs(blobs: readonly Uint8Array[]): Buffer {
  const total = 4 + blobs.reduce((s, b) => s + 4 + b.length, 0);
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(blobs.length, 0);
  let at = 4;
  for (const b of blobs) {
    out.writeUInt32LE(b.length, at);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  return out;
}

export function unpackBlobs(bytes: Uint8Array | undefined, param: string): Uint8Array[] {
  const buf = bytes ?? new Uint8Array(0);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4) throw new Error(`${param}: no blob count`);
  const count = view.getUint32(0, true);
  const out: Uint8Array[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + 4 > buf.length) throw new Error(`${param}: blob ${i} has no length`);
    const len = view.getUint32(at, true);
    if (at + 4 + len > buf.length) throw new Error(`${param}: blob ${i} runs past the end`);
    out.push(new Uint8Array(buf.buffer, buf.byteOffset + at + 4, len));
    at += 4 + len;
  }
  if (at !== buf.length) throw new Error(`${param}: ${buf.length - at} trailing bytes`);
  return out;
}

export function float64Bytes(values: Float64Array): Buffer {
  const out = Buffer.allocUnsafe(values.length * 8);
  for (let i = 0; i < values.length; i++) out.writeDoubleLE(values[i] as number, i * 8);
  return out;
}

export function readFloat64(bytes: Uint8Array | undefined, expected: number, param: string): Float64Array {
  const buf = bytes ?? new Uint8Array(0);
  if (buf.length !== expected * 8) throw new Error(`${param}: ${buf.length} bytes, expected ${expected * 8}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Float64Array(expected);
  for (let i = 0; i < expected; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
