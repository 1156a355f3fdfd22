// Run as a process by histogramPool.test.ts: uses a HistogramPool and never closes it. The process
// must still exit by itself (idle workers are unref'd); it prints how many results it got.
import { createBfv, disposeAll, generateArbiterKeys, loadPublicKey } from './bfv.ts';
import { encryptGradients, makeHistogramLayout, packGradients } from './histogram.ts';
import { HistogramPool } from './histogramPool.ts';

const bfv = await createBfv();
const keys = generateArbiterKeys(bfv);
const party = loadPublicKey(bfv, keys.publicBytes);
const rows = 300;
const layout = makeHistogramLayout(bfv.N, rows, [4, 4], 128);
const pool = new HistogramPool({ threads: 2 });
const bins = pool.packBins(bfv, Uint8Array.from({ length: rows * 2 }, (_, k) => k % 4), 2, layout, { cache: true });
const cts = encryptGradients(bfv, party, packGradients(bfv, new Float64Array(rows).fill(1), new Float64Array(rows).fill(1)), layout);
const results = await pool.histogram(bfv, cts, bins);
process.stdout.write(`${results.length} results\n`);
disposeAll([...cts, ...results]);
