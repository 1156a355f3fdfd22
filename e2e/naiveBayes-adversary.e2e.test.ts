// The naive Bayes scorecard's steps in process (no sockets), driven through the vertical-model
// interface as a party node drives them, with a real BFV arbiter behind its decrypt policy: the
// honest run gives the plaintext reference's model; then each side deviates where a value leaves
// the other. A guest that sends Enc of anything but a 0/1 label vector is caught by the host,
// which stops before it computes or sends anything from it; a host that declares few bins and asks
// the arbiter for the sums of many more columns (single rows: their labels) is refused. (A host
// that declares single-row columns in its count gets those labels: docs/security.md, Known limits.)
import { describe, expect, it, beforeAll } from 'vitest';
import pino from 'pino';
import { createBfv, generateArbiterKeys, loadPublicKey, type Bfv, type ArbiterKeys } from '../protocol/he/bfv.ts';
import { arbiterDecrypt } from '../protocol/he/innerProduct.ts';
import { createCodec } from '../protocol/envelope.ts';
import { bfvOps, innerProductLayouts } from '../protocol/vertical/encrypted.ts';
import { peerConversation, type PeerConversation } from '../protocol/vertical/peers.ts';
import { FedmarkError } from '../errors/table.ts';
import { DecryptPolicy } from '../coordinator/jobs/decryptPolicy.ts';
import { readVertical } from '../data/fate.ts';
import { validationMask } from '../models/split/hashSplit.ts';
import { matrix, maskIndices, selectRows } from '../models/matrix.ts';
import { naiveBayes } from '../models/vertical/naiveBayes/index.ts';
import { NAIVE_BAYES_MESSAGES } from '../models/vertical/naiveBayes/messages.ts';
import { scoreNaiveBayesReference, trainNaiveBayesReference } from '../models/vertical/naiveBayes/reference.ts';

const MAX = 64 * 1024 * 1024;
const training = { bins: 10, smoothing: 0.5, minCell: 50, seed: 42 };
const sections = { training };
type Conversation = PeerConversation<typeof NAIVE_BAYES_MESSAGES>;

let bfv: Bfv;
let keys: ArbiterKeys;
beforeAll(async () => {
  bfv = await createBfv();
  keys = generateArbiterKeys(bfv);
});

const data = readVertical('breast');
const mask = validationMask(data.ids, 0.3, 42);
const tr = maskIndices(mask, 0);
const ev = maskIndices(mask, 1);
const yTrain = Uint8Array.from(tr, (i) => data.y[i] as number);
const yEval = Uint8Array.from(ev, (i) => data.y[i] as number);
const names = (cols: number, p: string) => Array.from({ length: cols }, (_, j) => `${p}${j}`);
const prepared = (x: typeof data.guest, p: string) => naiveBayes.features({ train: selectRows(x, tr), evaluation: selectRows(x, ev), names: names(x.cols, p) }, sections).rows;

/** A guest and a host in one process, each with the runtime a party node builds, and a real arbiter behind the job's decrypt policy. */
function federation() {
  const ids = ['guest', 'host1'];
  const codec = createCodec(NAIVE_BAYES_MESSAGES);
  const policy = new DecryptPolicy({ job: 'job-test', parties: ids, rules: naiveBayes.arbiter.rules({ parties: ids, sections, layouts: innerProductLayouts(bfv.N) }) });
  const toGuest: string[] = [];
  const conversations = new Map<string, Conversation>();
  for (const self of ids) {
    conversations.set(self, peerConversation(NAIVE_BAYES_MESSAGES, (peer, frame) => {
      if (peer === 'guest') toGuest.push(codec.decode(frame, MAX).kind);
      setImmediate(() => conversations.get(peer)?.receive(self, frame, MAX));
    }));
  }
  const runtime = (self: string) => {
    const he = bfvOps(bfv, loadPublicKey(bfv, keys.publicBytes), async (masked, step) => {
      policy.admit(self, step, 0, masked.map((m) => m.positions));
      return masked.map((m) => arbiterDecrypt(bfv, keys.secret, m.bytes, m.positions));
    });
    const conversation = conversations.get(self) as Conversation;
    return { job: 'job-test', self, guest: 'guest', hosts: self === 'guest' ? ['host1'] : [], peers: conversation.peers, he, ...conversation.vectors(he), progress: () => undefined, log: pino({ level: 'silent' }) };
  };
  return { runtime, toGuest };
}

async function refusal(run: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run;
  } catch (err) {
    if (err instanceof FedmarkError) return { code: err.code, message: err.message };
    throw err;
  }
  return { code: 'none', message: 'it went through' };
}

describe('naive Bayes in process, honest and deviating', () => {
  it('honest: the guest and the host reach the plaintext reference\'s model; the guest gets the host\'s count, then its evaluation contributions once', async () => {
    const f = federation();
    const [guest, host] = await Promise.all([
      naiveBayes.guest(f.runtime('guest'), prepared(data.guest, 'g'), { train: yTrain, evaluation: yEval }, sections),
      naiveBayes.host(f.runtime('host1'), prepared(data.host, 'h'), sections),
    ]);
    const ref = trainNaiveBayesReference([{ train: selectRows(data.guest, tr), names: names(10, 'g') }, { train: selectRows(data.host, tr), names: names(20, 'h') }], yTrain, training);
    expect(host.shard.woe).toEqual(ref.parts[1]?.woe);
    expect(guest.shard).toEqual({ woe: ref.parts[0]?.woe, intercept: ref.parts[0]?.intercept });
    const expected = scoreNaiveBayesReference(ref, [selectRows(data.guest, ev), selectRows(data.host, ev)]);
    guest.evalScores.forEach((u, i) => expect(Math.abs(u - (expected[i] as number))).toBeLessThan(1e-12));
    expect(f.toGuest).toEqual(['iv.hello', 'nb.final']);
  }, 120_000);

  it('a guest that encrypts anything but 0/1 labels: the host refuses the sums and sends nothing more', async () => {
    const f = federation();
    const rt = f.runtime('guest');
    const host = naiveBayes.host(f.runtime('host1'), prepared(data.host, 'h'), sections);
    const [hello] = await Promise.all([rt.peers.take('host1', 'iv.hello')]);
    const counts = [0, hello?.body.columns as number];
    rt.peers.send('host1', 'iv.layout', { rows: tr.length, counts });
    // Rows weighted 0 … 7 (the encrypted range allows |v| < 8): a bin's sum is no count of its rows' labels.
    const crafted = Float64Array.from(tr, (_, i) => i % 8);
    const v = await rt.he.encrypt(crafted, rt.he.layout(tr.length, counts));
    rt.sendVector(['host1'], 'iv.y', { epoch: 0, batch: 0 }, v);
    v.dispose();
    const refused = await refusal(host);
    expect(refused.code).toBe('FM_ERR_WIRE_UNEXPECTED');
    expect(refused.message).toMatch(/not a 0\/1 label vector/);
    expect(f.toGuest).toEqual(['iv.hello']);
  }, 120_000);

  it('a host that declares 3 bins and asks for the sums of 40 single-row columns: the arbiter refuses', async () => {
    const f = federation();
    // The honest guest: it sends Enc(y), then waits for the host's contributions (never, here).
    void naiveBayes.guest(f.runtime('guest'), prepared(data.guest, 'g'), { train: yTrain, evaluation: yEval }, sections);
    const rt = f.runtime('host1');
    rt.peers.send('guest', 'iv.hello', { columns: 3 });
    const { rows, counts } = (await rt.peers.take('guest', 'iv.layout')).body;
    const layout = rt.he.layout(rows, counts);
    const encY = await rt.takeVector('guest', 'iv.y', { epoch: 0, batch: 0 }, layout);
    // Column c holds row c only: its "sum" would be customer c's label.
    const single = new Float64Array(rows * 40);
    for (let c = 0; c < 40; c++) single[c * 40 + c] = 1;
    const packed = rt.he.pack(matrix(single, rows, 40), layout, 2);
    const refused = await refusal(rt.he.innerProducts(encY, packed, { iv: true, rows, counts }));
    expect(refused.code).toBe('FM_ERR_HE_REFUSED');
    expect(refused.message).toMatch(/over that quota|only the \d+ result positions/);
    encY.dispose();
    packed.dispose();
    // Nothing but its count reached the guest (a party node's guest stops when the host's job fails).
    expect(f.toGuest).toEqual(['iv.hello']);
  }, 120_000);
});

