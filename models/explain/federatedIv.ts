// Federated weight of evidence and information value (design note protocols.md, "One primitive,
// many uses": federated binning, WOE and IV), run after a vertical model's training:
//   1. host: bins its own training rows (ivBins.ts: every bin ≥ minCell rows, refused before the
//      job's exchange otherwise), sends the guest its number of bin columns;
//   2. guest: derives the layout from every party's columns, sends it, and Enc(y) of its training
//      labels under the arbiter's key, to every host;
//   3. host: Enc(y)ᵀ·B for its bin indicators B with the coefficient-packed inner products,
//      masked, decrypted by the arbiter within the IV step's quota (ivRules.ts), unmasked: its
//      positives per bin; negatives = the bin's rows − positives; WOE and IV by woe.ts.
// What each role learns: a host — the number of positive labels among the training rows of each
// of its own bins (hence the label rate of each bin, which is what WOE is), nothing else of y; the
// guest — each host's number of bin columns; the arbiter — masked values only. The guest's IV is
// computed at the guest in plaintext. Nobody learns another party's IV.
import { FedmarkError } from '../../errors/table.ts';
import type { Matrix } from '../matrix.ts';
import type { VerticalRuntime } from '../vertical/runtime.ts';
import { ivTable, positivesPerBin, type FeatureIv, type IvBinning } from './ivBins.ts';
import { EXPLAIN_MESSAGES } from './messages.ts';
import type { MessageTable } from '../vertical/messages.ts';

/** Any vertical model's runtime whose message table includes EXPLAIN_MESSAGES. */
type Runtime = VerticalRuntime<typeof EXPLAIN_MESSAGES, unknown>;

/** The runtime of a model whose messages include EXPLAIN_MESSAGES (the model offers explain.iv); FM_ERR_JOB_INVALID otherwise. */
export function ivRuntime<T extends MessageTable>(rt: VerticalRuntime<T, unknown>, model: { name: string; messages: MessageTable }): Runtime {
  const offered = Object.entries(EXPLAIN_MESSAGES).every(([kind, schema]) => model.messages[kind] === schema);
  if (!offered) throw new FedmarkError('FM_ERR_JOB_INVALID', { file: 'the job', field: 'explain.iv', reason: `vertical model ${model.name} does not offer information value` });
  // The model's table holds these very schemas, so its peers accept and check these kinds.
  return rt as unknown as Runtime;
}

/**
 * The guest's step 2: every party's column counts to each host, and Enc(y) of its training labels
 * to every host with bin columns (one without takes none). Any model whose messages include
 * EXPLAIN_MESSAGES can run it through ivRuntime.
 */
export async function sendLabels(rt: Runtime, y: Uint8Array): Promise<void> {
  const rows = y.length;
  const hellos = await Promise.all(rt.hosts.map((h) => rt.peers.take(h, 'iv.hello')));
  const counts = [0, ...hellos.map((h) => h.body.columns)];
  for (const h of rt.hosts) rt.peers.send(h, 'iv.layout', { rows, counts });
  const to = rt.hosts.filter((_, k) => (counts[k + 1] as number) > 0);
  if (to.length === 0 || rows === 0) return;
  const encY = await rt.he.encrypt(Float64Array.from(y), rt.he.layout(rows, counts));
  try {
    rt.sendVector(to, 'iv.y', { epoch: 0, batch: 0 }, encY);
  } finally {
    encY.dispose();
  }
}

/**
 * A host's steps 1 and 3 for its bin indicators (training rows × bin columns, 0/1): the number of
 * positive labels in each bin column, exact and checked to lie within the bin's rows.
 */
export async function hostLabelSums(rt: Runtime, indicators: Matrix): Promise<Float64Array> {
  rt.peers.send(rt.guest, 'iv.hello', { columns: indicators.cols });
  const { rows, counts } = (await rt.peers.take(rt.guest, 'iv.layout')).body;
  if (rows !== indicators.rows || !counts.includes(indicators.cols)) {
    throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'iv.layout', state: `a layout of ${rows} rows for ${indicators.rows} training rows and ${indicators.cols} bin columns here` });
  }
  if (indicators.cols === 0) return new Float64Array(0);
  const layout = rt.he.layout(rows, counts);
  const encY = await rt.takeVector(rt.guest, 'iv.y', { epoch: 0, batch: 0 }, layout);
  const packed = rt.he.pack(indicators, layout, 2);
  let sums: Float64Array;
  try {
    sums = await rt.he.innerProducts(encY, packed, { iv: true, rows, counts });
  } finally {
    encY.dispose();
    packed.dispose();
  }
  return exactCounts(sums, indicators);
}

/** The guest's side: step 2 for the hosts, and its own IV from its binning, in plaintext. */
export async function guestIv(rt: Runtime, own: IvBinning, y: Uint8Array): Promise<FeatureIv[]> {
  if (own.indicators.rows !== y.length) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: 'own.indicators', expected: `${y.length} rows`, got: String(own.indicators.rows) });
  await sendLabels(rt, y);
  return ivTable(own.features, positivesPerBin(own.indicators, y));
}

/** A host's side: steps 1 and 3, then its WOE and IV. */
export async function hostIv(rt: Runtime, own: IvBinning): Promise<FeatureIv[]> {
  const positives = await hostLabelSums(rt, own.indicators);
  return ivTable(own.features, own.indicators.cols === 0 ? [] : positives);
}

/** Decrypted sums are fixed-point reals of whole counts: rounded, and checked to lie within each bin's rows. */
function exactCounts(sums: Float64Array, indicators: Matrix): Float64Array {
  const binRows = new Float64Array(indicators.cols);
  for (let i = 0; i < indicators.rows; i++) for (let c = 0; c < indicators.cols; c++) binRows[c] = (binRows[c] as number) + (indicators.data[i * indicators.cols + c] as number);
  return Float64Array.from(sums, (s, c) => {
    const n = Math.round(s);
    if (!(Math.abs(s - n) < 1e-3 && n >= 0 && n <= (binRows[c] as number))) {
      throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'iv.y', state: `bin column ${c}: a label sum outside 0…${binRows[c]} (the guest's vector is not a 0/1 label vector)` });
    }
    return n;
  });
}
