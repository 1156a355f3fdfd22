// The arbiter of vertical logistic regression (design note protocols.md): one BFV key pair per job;
// the secret key never leaves this process. It decrypts only what parties masked, returning uniform
// residues mod t at the positions they asked for, so it learns no gradient.
import { createBfv, generateArbiterKeys, type ArbiterKeys, type Bfv } from '../../protocol/he/bfv.ts';
import { arbiterDecrypt } from '../../protocol/he/innerProduct.ts';
import { float64Bytes, unpackBlobs } from '../../protocol/vertical/messages.ts';
import { FedmarkError } from '../../protocol/errors.ts';
import type { BodyOf } from '../../protocol/messages/index.ts';

let shared: Promise<Bfv> | undefined;

export class Arbiter {
  private readonly bfv: Bfv;
  private readonly keys: ArbiterKeys;

  private constructor(bfv: Bfv, keys: ArbiterKeys) {
    this.bfv = bfv;
    this.keys = keys;
  }

  static async create(): Promise<Arbiter> {
    shared ??= createBfv();
    const bfv = await shared;
    return new Arbiter(bfv, generateArbiterKeys(bfv));
  }

  get publicBytes(): Uint8Array {
    return this.keys.publicBytes;
  }

  /** One he.decrypt request: every ciphertext of the payload at its positions, as float64 residues. */
  decrypt(party: string, body: BodyOf<'he.decrypt'>, payload: Uint8Array | undefined): Buffer {
    let blobs: Uint8Array[];
    try {
      blobs = unpackBlobs(payload, `he.decrypt from ${party}`);
    } catch (err) {
      throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: (err as Error).message });
    }
    if (blobs.length !== body.positions.length) {
      throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `he.decrypt from ${party}: ${blobs.length} ciphertexts for ${body.positions.length} position lists` });
    }
    const values = blobs.map((b, i) => arbiterDecrypt(this.bfv, this.keys.secret, b, body.positions[i] as number[], `he.decrypt[${i}] from ${party}`));
    const flat = new Float64Array(values.reduce((s, v) => s + v.length, 0));
    let at = 0;
    for (const v of values) {
      flat.set(v, at);
      at += v.length;
    }
    return float64Bytes(flat);
  }

  dispose(): void {
    this.keys.secret.dispose();
  }
}
