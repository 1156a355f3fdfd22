// A host's split decisions for the guest, sealed end to end at scoring time (models combined at the
// guest, e.g. gradient-boosted trees: docs/security.md, "Scoring a gradient-boosted tree model").
// The coordinator carries the sealed bytes from host to guest and can neither read nor reuse them.
// Key: 32 bytes the guest and the host derived from their end-to-end channel when PSI ended
// (party-node/scoring/handles.ts), which the coordinator lacks. Cipher: XChaCha20-Poly1305 (IETF),
// random 192-bit nonce. Associated data: label, model job, host, guest and the request nonce the
// guest issued for this one scoring request, so a blob cannot be moved to another request, job or
// pair, and the guest takes each request nonce once.
// Plaintext: u32 rows, u32 width (flags per row), then rows × width flags packed 8 to a byte,
// row-major, least significant bit first. What the coordinator learns: the sealed length, i.e. rows
// and ⌈rows·width/8⌉.
import sodium from 'sodium-native';
import { FedmarkError } from '../../errors/table.ts';

const LABEL = 'fedmark/score-flags/v1';
const NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
const TAG_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES;
const HEADER_BYTES = 8;
/** Bytes of the request nonce the guest issues. */
export const REQUEST_NONCE_BYTES = 16;

export interface FlagsBinding {
  modelJob: string;
  host: string;
  guest: string;
  /** The guest's request nonce, hex. */
  nonce: string;
  /** The handles the host was asked, concatenated; empty for the whole intersection (batch). */
  asked: Uint8Array;
}

/** The sealed length of `rows` × `width` flags. */
export function sealedFlagsBytes(rows: number, width: number): number {
  return NONCE_BYTES + HEADER_BYTES + Math.ceil((rows * width) / 8) + TAG_BYTES;
}

function associatedData(b: FlagsBinding): Buffer {
  const asked = Buffer.alloc(32);
  sodium.crypto_generichash(asked, Buffer.from(b.asked.buffer, b.asked.byteOffset, b.asked.byteLength));
  return Buffer.concat([...[LABEL, b.modelJob, b.host, b.guest, b.nonce].map((text) => {
    const bytes = Buffer.from(text, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    return Buffer.concat([len, bytes]);
  }), asked]);
}

/** Seals `flags` (rows × width values, non-zero = 1) for the guest. */
export function sealFlags(key: Uint8Array, binding: FlagsBinding, flags: ArrayLike<number>, rows: number, width: number): Buffer {
  if (flags.length !== rows * width) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `${flags.length} flags for ${rows} rows of ${width}` });
  const plain = Buffer.alloc(HEADER_BYTES + Math.ceil((rows * width) / 8));
  plain.writeUInt32LE(rows, 0);
  plain.writeUInt32LE(width, 4);
  for (let k = 0; k < flags.length; k++) if (flags[k]) plain[HEADER_BYTES + (k >> 3)]! |= 1 << (k & 7);
  const out = Buffer.alloc(NONCE_BYTES + plain.length + TAG_BYTES);
  const nonce = out.subarray(0, NONCE_BYTES);
  sodium.randombytes_buf(nonce);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out.subarray(NONCE_BYTES), plain, associatedData(binding), null, nonce, Buffer.from(key));
  return out;
}

/** Opens a host's sealed flags: rows × width values of 0 or 1; FM_ERR_WIRE_DECRYPT when not sealed by that host for this request. */
export function openFlags(key: Uint8Array, binding: FlagsBinding, sealed: Uint8Array): { rows: number; width: number; flags: Uint8Array } {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes.length < NONCE_BYTES + HEADER_BYTES + TAG_BYTES) throw new FedmarkError('FM_ERR_WIRE_DECRYPT', { from: binding.host });
  const plain = Buffer.alloc(bytes.length - NONCE_BYTES - TAG_BYTES);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(plain, null, bytes.subarray(NONCE_BYTES), associatedData(binding), bytes.subarray(0, NONCE_BYTES), Buffer.from(key));
  } catch (err) {
    throw new FedmarkError('FM_ERR_WIRE_DECRYPT', { from: binding.host }, { cause: err });
  }
  const rows = plain.readUInt32LE(0);
  const width = plain.readUInt32LE(4);
  if (plain.length !== HEADER_BYTES + Math.ceil((rows * width) / 8)) throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `sealed flags of ${binding.host}: ${rows} rows of ${width} in ${plain.length} bytes` });
  const flags = new Uint8Array(rows * width);
  for (let k = 0; k < flags.length; k++) flags[k] = (plain[HEADER_BYTES + (k >> 3)]! >> (k & 7)) & 1;
  return { rows, width, flags };
}
