// A hostile host for the arbiter attack test: the real party node (`fedmark party`), with one step
// changed. When its vertical loop hands the arbiter its masked gradient, it sends the guest's Enc(d)
// of that step instead, switched to the last level: d = ¼u + ½ − y, so its decryption would give
// the guest's labels away. FEDMARK_ADVERSARY_POSITIONS picks what it asks for: `all` (every
// coefficient, where d sits) or `results` (the step's legitimate result positions, so that only
// the arbiter's mask check stands in the way). Whatever the arbiter answers is written as JSON to
// FEDMARK_ADVERSARY_OUT, for the test to check that nothing came back.
import { writeFileSync } from 'node:fs';
import { createBfv, deserializeCiphertext, modSwitchToLast, serializeCiphertext } from '../../protocol/he/bfv.ts';
import type { MaskedResult } from '../../protocol/he/innerProduct.ts';
import { Inbox, type InboxItem } from '../../protocol/peer/inbox.ts';
import { unpackBlobs } from '../../protocol/peer/blobs.ts';
import { ArbiterClient } from '../../party-node/jobs/vertical/arbiterClient.ts';
import { partyCommand } from '../../party-node/cli.ts';

const out = process.env.FEDMARK_ADVERSARY_OUT as string;
const mode = process.env.FEDMARK_ADVERSARY_POSITIONS === 'results' ? 'results' : 'all';
const bfv = await createBfv();
let encD: Uint8Array | undefined;

// Keep the first chunk of every Enc(d) the guest sends.
const take = Inbox.prototype.take;
type Seen = { kind: string; body: unknown; payload?: Uint8Array };
Inbox.prototype.take = async function (this: Inbox<Seen>, match: (item: InboxItem<Seen>) => boolean) {
  const item = await take.call(this, match);
  if (item.frame.kind === 'vlr.d' && (item.frame.body as { part: number }).part === 0) encD = Uint8Array.from(unpackBlobs(item.frame.payload, 'vlr.d')[0] as Uint8Array);
  return item;
} as typeof Inbox.prototype.take;

const decrypt = ArbiterClient.prototype.decrypt;
ArbiterClient.prototype.decrypt = async function (this: ArbiterClient, job: string, step: unknown, masked: readonly MaskedResult[]) {
  if (encD === undefined) throw new Error('no Enc(d) seen yet');
  const ct = deserializeCiphertext(bfv, encD, 'Enc(d)', 'first');
  modSwitchToLast(bfv, ct);
  const bytes = serializeCiphertext(bfv, ct);
  ct.delete();
  const positions = mode === 'all' ? Array.from({ length: bfv.N }, (_, i) => i) : (masked[0] as MaskedResult).positions;
  const [values] = await decrypt.call(this, job, step, [{ bytes, positions, masks: new Float64Array(positions.length) }]);
  writeFileSync(out, JSON.stringify({ positions: positions.length, values: Array.from(values ?? []) }));
  throw new Error('the arbiter answered');
};

// Started as `encDHost.party.ts --config FILE`, like `fedmark party --config FILE`.
await partyCommand(process.argv.slice(2));
