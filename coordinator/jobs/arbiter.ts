// The arbiter of vertical training (design note protocols.md): one BFV key pair per job attempt;
// the secret key never leaves this process. It decrypts only what parties masked, returning
// uniform residues mod t at the positions they asked for, so it learns no gradient. It decrypts
// only for the job's parties, only the results their step of the model's protocol produces (the
// model's arbiter rules, through decryptPolicy.ts), and only ciphertexts that carry a mask at
// coefficients it picks afresh for each request (MASK_CHECK): a raw Enc(d) or Enc(¼u_k) is
// refused, never decrypted for the party holding it.
import { randomInt } from 'node:crypto';
import { createBfv, generateArbiterKeys, type ArbiterKeys, type Bfv } from '../../protocol/he/bfv.ts';
import { arbiterDecryptChecked, MASK_CHECK } from '../../protocol/he/innerProduct.ts';
import { float64Bytes, unpackBlobs } from '../../protocol/peer/blobs.ts';
import { FedmarkError } from '../../errors/table.ts';
import { innerProductLayouts } from '../../protocol/vertical/encrypted.ts';
import { verticalModel } from '../../models/vertical/registry.ts';
import type { BodyOf } from '../../protocol/messages/index.ts';
import type { VerticalJobSpec } from '../../protocol/messages/jobSpec.ts';
import { DecryptPolicy } from './decryptPolicy.ts';

let shared: Promise<Bfv> | undefined;

export class Arbiter {
  private readonly bfv: Bfv;
  private readonly keys: ArbiterKeys;
  private readonly policy: DecryptPolicy;
  /** The job's parties, guest first. */
  readonly parties: readonly string[];

  private constructor(bfv: Bfv, keys: ArbiterKeys, policy: DecryptPolicy, parties: readonly string[]) {
    this.bfv = bfv;
    this.keys = keys;
    this.policy = policy;
    this.parties = parties;
  }

  /** The arbiter of one attempt of vertical job `job`. */
  static async create(job: string, spec: Omit<VerticalJobSpec, 'name' | 'kind'>): Promise<Arbiter> {
    shared ??= createBfv();
    const bfv = await shared;
    const parties = [...spec.parties.filter((p) => p.role === 'guest'), ...spec.parties.filter((p) => p.role === 'host')].map((p) => p.id);
    const rules = verticalModel(spec.model).arbiter.rules({ parties, sections: spec, layouts: innerProductLayouts(bfv.N) });
    const policy = new DecryptPolicy({ job, parties, rules });
    return new Arbiter(bfv, generateArbiterKeys(bfv), policy, parties);
  }

  get publicBytes(): Uint8Array {
    return this.keys.publicBytes;
  }

  /**
   * One he.decrypt request: every ciphertext of the payload at its positions, as float64 residues.
   * FM_ERR_HE_REFUSED when the request is outside the protocol.
   */
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
    this.policy.admit(party, body.step, body.group, body.positions);
    const values = blobs.map((b, i) => {
      const spots = Array.from({ length: MASK_CHECK.spots }, () => randomInt(this.bfv.N));
      const checked = arbiterDecryptChecked(this.bfv, this.keys.secret, b, body.positions[i] as number[], spots, `he.decrypt[${i}] from ${party}`);
      if (checked.smallAtSpots > MASK_CHECK.maxSmall) {
        // The count is a function of the plaintext of a ciphertext the requester chose: it stays here.
        throw this.policy.refuse(party, `result ${body.group + i} carries no mask (${MASK_CHECK.maxSmall} of ${MASK_CHECK.spots} checked coefficients may be near zero at most; more were)`, { smallAtSpots: checked.smallAtSpots });
      }
      return checked.values;
    });
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
