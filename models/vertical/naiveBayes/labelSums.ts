// The hosts' label sums per counted bin, by federated information value's exchange, step for step
// (models/explain/federatedIv.ts, whose functions are typed for a runtime of its three messages
// only, so they are followed here rather than called):
//   1. host: declares its number of counted bin columns (iv.hello);
//   2. guest: sends every party's column counts (iv.layout) and Enc(y) of its training labels
//      under the arbiter's key (iv.y) to every host;
//   3. host: Enc(y)ᵀ·B for its bin indicators B, masked, decrypted by the arbiter within the IV
//      step's quota (arbiter.ts), unmasked: its positives per bin. They must be whole counts
//      within each bin's rows, or the guest's vector was not a 0/1 label vector and the job stops.
import { FedmarkError } from '../../../errors/table.ts';
import type { Matrix } from '../../matrix.ts';
import type { VerticalRuntime } from '../runtime.ts';
import type { NaiveBayesMessages } from './messages.ts';

/** The guest's step 2. */
export async function sendLabels(rt: VerticalRuntime<NaiveBayesMessages, unknown>, y: Uint8Array): Promise<void> {
  const rows = y.length;
  const hellos = await Promise.all(rt.hosts.map((h) => rt.peers.take(h, 'iv.hello')));
  const counts = [0, ...hellos.map((h) => h.body.columns)];
  for (const h of rt.hosts) rt.peers.send(h, 'iv.layout', { rows, counts });
  // A host without counted bins takes no Enc(y).
  const to = rt.hosts.filter((_, k) => (counts[k + 1] as number) > 0);
  if (to.length === 0) return;
  const encY = rt.he.encrypt(Float64Array.from(y), rt.he.layout(rows, counts));
  try {
    rt.sendVector(to, 'iv.y', { epoch: 0, batch: 0 }, encY);
  } finally {
    encY.dispose();
  }
}

/** A host's steps 1 and 3. */
export async function hostLabelSums(rt: VerticalRuntime<NaiveBayesMessages, unknown>, bins: Matrix): Promise<Float64Array> {
  rt.peers.send(rt.guest, 'iv.hello', { columns: bins.cols });
  const { rows, counts } = (await rt.peers.take(rt.guest, 'iv.layout')).body;
  if (rows !== bins.rows || !counts.includes(bins.cols)) {
    throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'iv.layout', state: `a layout of ${rows} rows for ${bins.rows} training rows and ${bins.cols} counted bins here` });
  }
  if (bins.cols === 0) return new Float64Array(0);
  const layout = rt.he.layout(rows, counts);
  const encY = await rt.takeVector(rt.guest, 'iv.y', { epoch: 0, batch: 0 }, layout);
  const packed = rt.he.pack(bins, layout, 2);
  let sums: Float64Array;
  try {
    sums = await rt.he.innerProducts(encY, packed, { iv: true, rows, counts });
  } finally {
    encY.dispose();
    packed.dispose();
  }
  const binRows = new Float64Array(bins.cols);
  for (let i = 0; i < bins.rows; i++) for (let c = 0; c < bins.cols; c++) binRows[c] = (binRows[c] as number) + (bins.data[i * bins.cols + c] as number);
  return Float64Array.from(sums, (s, c) => {
    const n = Math.round(s);
    if (!(Math.abs(s - n) < 1e-3 && n >= 0 && n <= (binRows[c] as number))) {
      throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'iv.y', state: `counted bin ${c}: a label sum outside 0…${binRows[c]} (the guest's vector is not a 0/1 label vector)` });
    }
    return n;
  });
}
