// The arbiter with real BFV: it decrypts a masked result of a step and refuses a raw Enc(d) even at
// the step's result positions (the mask check at fresh coefficients), without answering anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBfv, loadPublicKey, modSwitchToLast, serializeCiphertext, type Bfv, type PartyKey } from '../../protocol/he/bfv.ts';
import { encryptVector, encryptedXtD, makeLayout, maskResult, packFeatures, recommendChunkLength, resultPositions, unmask } from '../../protocol/he/innerProduct.ts';
import { packBlobs, readFloat64 } from '../../protocol/peer/blobs.ts';
import { FedmarkError } from '../../errors/table.ts';
import { Arbiter } from './arbiter.ts';

let bfv: Bfv;
let arbiter: Arbiter;
let key: PartyKey;
const spec = {
  parties: [{ id: 'bank', role: 'guest' as const, data: { path: 'g.csv', idColumn: 'id' } }, { id: 'insurer', role: 'host' as const, data: { path: 'h.csv', idColumn: 'id' } }],
  training: { epochs: 2, batchSize: 64, learningRate: 0.1, l2: 0, seed: 1 },
};
const rows = 40;
const counts = [3, 2];
const step = { epoch: 0, batch: 0, rows, counts };

beforeAll(async () => {
  bfv = await createBfv();
  arbiter = await Arbiter.create('job-1', spec);
  key = loadPublicKey(bfv, arbiter.publicBytes);
});
afterAll(() => {
  key.dispose();
  arbiter.dispose();
});

function refusal(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof FedmarkError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return undefined;
}

describe('the arbiter', () => {
  it('decrypts the masked gradient of a step, and refuses Enc(d) at the same positions', () => {
    const layout = makeLayout(bfv.N, rows, recommendChunkLength(bfv.N, rows, counts));
    const d = Float64Array.from({ length: rows }, (_, i) => (i % 2 === 0 ? 0.5 : -0.5));
    const x = Float64Array.from({ length: rows * 2 }, (_, i) => ((i * 7) % 5) - 2);
    const encD = encryptVector(bfv, key, d, layout);
    const packed = packFeatures(bfv, x, rows, 2, layout, 1);
    const positions = resultPositions(layout, 2);
    const [product] = encryptedXtD(bfv, encD, packed);
    const masked = maskResult(bfv, key, product as NonNullable<typeof product>, positions);
    const reply = arbiter.decrypt('insurer', { step, group: 0, positions: [positions] }, packBlobs([masked.bytes]));
    const xtd = unmask(bfv, readFloat64(reply, 2, 'reply'), masked.masks);
    for (let j = 0; j < 2; j++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += (d[i] as number) * (x[i * 2 + j] as number);
      expect(xtd[j]).toBeCloseTo(dot, 6);
    }

    // The guest's own Enc(d), switched to the last level and sent as the guest's result: refused.
    const raw = encD[0] as NonNullable<(typeof encD)[0]>;
    modSwitchToLast(bfv, raw);
    const guestPositions = resultPositions(layout, 3);
    const refused = refusal(() => arbiter.decrypt('bank', { step, group: 0, positions: [guestPositions] }, packBlobs([serializeCiphertext(bfv, raw)])));
    expect(refused).toMatch(/^FM_ERR_HE_REFUSED: the arbiter refused to decrypt for bank in job job-1: result 0 carries no mask \(\d+ of 256/);
    packed.dispose();
    for (const ct of encD) ct.delete();
  });
});
