// The encrypted-vector operations a vertical model's steps use (models/vertical/runtime.ts), over
// BFV with coefficient packing (he/innerProduct.ts, design note protocols.md "Making X_pᵀ·Enc(d)
// cheap"): vectors encrypted under the arbiter's public key, summed, and multiplied with a party's
// packed columns; every product is masked before it leaves the party, decrypted by the arbiter
// (`decrypt`, which sends the request and awaits the answer) and unmasked here.
import type { Ciphertext } from 'node-seal';
import { FedmarkError } from '../../errors/table.ts';
import { deserializeCiphertext, disposeAll, serializeCiphertext, type Bfv, type PartyKey } from '../he/bfv.ts';
import {
  addPlain, addVectors, encryptedXtD, encryptVector, groupCount, makeLayout, maskResult, packFeatures, quarterScoreShare, recommendChunkLength, resultPositions, unmask,
  type Layout, type MaskedResult, type PackedFeatures,
} from '../he/innerProduct.ts';
import type { EncryptedOps, EncryptedVector, PackedColumns, VectorLayout } from '../../models/vertical/runtime.ts';
import type { InnerProductLayouts } from '../../models/vertical/model.ts';

interface BfvVector extends EncryptedVector {
  readonly layout: Layout;
  readonly cts: Ciphertext[];
}

interface BfvPacked extends PackedColumns {
  readonly layout: Layout;
  readonly packed: PackedFeatures;
}

/** Sends the masked results of `step` to the arbiter and resolves with the masked residues at their positions. */
export type ArbiterDecrypt = (masked: readonly MaskedResult[], step: unknown) => Promise<Float64Array[]>;

export function bfvOps(bfv: Bfv, key: PartyKey, decrypt: ArbiterDecrypt): EncryptedOps<unknown> {
  const layoutOf = (l: VectorLayout): Layout => {
    if (!isLayout(l) || l.N !== bfv.N) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'a vector layout of another BFV context' });
    return l;
  };
  const vector = (v: EncryptedVector): BfvVector => {
    if (!('cts' in v)) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'a vector of another runtime' });
    return v as BfvVector;
  };
  const wrap = (layout: Layout, cts: Ciphertext[]): BfvVector => ({ layout, cts, dispose: () => disposeAll(cts) });
  return {
    maxAbs: bfv.maxAbsD,
    share: (parties) => quarterScoreShare(bfv.maxAbsD, parties - 1),
    layout: (rows, counts) => makeLayout(bfv.N, rows, recommendChunkLength(bfv.N, rows, counts)),
    encrypt: (values, l) => wrap(layoutOf(l), encryptVector(bfv, key, values, layoutOf(l))),
    add(into, other) {
      addVectors(bfv, vector(into).cts, vector(other).cts, layoutOf(into.layout));
    },
    addPlain(into, values) {
      addPlain(bfv, vector(into).cts, values, layoutOf(into.layout));
    },
    pack(x, l, parties): BfvPacked {
      const layout = layoutOf(l);
      const packed = packFeatures(bfv, x.data, x.rows, x.cols, layout, parties - 1);
      return { layout, cols: x.cols, packed, dispose: () => packed.dispose() };
    },
    async innerProducts(v, x, step) {
      const { packed } = x as BfvPacked;
      const { layout, cols } = packed;
      const products = encryptedXtD(bfv, vector(v).cts, packed);
      const masked = products.map((ct, g) => maskResult(bfv, key, ct, resultPositions(layout, Math.min(layout.k, cols - g * layout.k))));
      const values = await decrypt(masked, step);
      const out = new Float64Array(cols);
      for (let g = 0; g < groupCount(layout, cols); g++) out.set(unmask(bfv, values[g] as Float64Array, (masked[g] as MaskedResult).masks), g * layout.k);
      return out;
    },
    toBytes: (v) => vector(v).cts.map((ct) => serializeCiphertext(bfv, ct)),
    fromBytes(blobs, l, what) {
      const layout = layoutOf(l);
      if (blobs.length !== layout.chunks) throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param: what, reason: `${blobs.length} ciphertexts, expected ${layout.chunks}` });
      const cts: Ciphertext[] = [];
      try {
        for (const [i, b] of blobs.entries()) cts.push(deserializeCiphertext(bfv, b, `${what}[${i}]`, 'first'));
      } catch (err) {
        disposeAll(cts);
        throw err;
      }
      return wrap(layout, cts);
    },
  };
}

/** The arbiter's side of the same layouts: how many results a party's columns give, and where. */
export function innerProductLayouts(N: number): InnerProductLayouts {
  return {
    results(rows, counts, cols) {
      const layout = makeLayout(N, rows, recommendChunkLength(N, rows, counts));
      return { results: groupCount(layout, cols), positions: (g) => resultPositions(layout, Math.min(layout.k, cols - g * layout.k)) };
    },
  };
}

function isLayout(l: VectorLayout): l is Layout {
  return typeof (l as Partial<Layout>).N === 'number' && typeof (l as Partial<Layout>).m === 'number';
}

