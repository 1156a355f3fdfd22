// A vertical model's conversation with its peers (models/vertical/runtime.ts: Peers, sendVector,
// takeVector) over the end-to-end channel: frames of the model's own message table, checked by its
// codec on the way in, waiting in an inbox until the model's loop takes them. Encrypted vectors go
// in parts of at most PER_PART ciphertexts so that no frame exceeds the link's limit.
import type { Static } from '@sinclair/typebox';
import { createCodec, type Frame } from '../envelope.ts';
import { Inbox } from '../peer/inbox.ts';
import { float64Bytes, packBlobs, readFloat64, unpackBlobs } from '../peer/blobs.ts';
import type { MessageTable, PartKinds } from '../../models/vertical/messages.ts';
import type { EncryptedOps, Peers, Received, VerticalRuntime } from '../../models/vertical/runtime.ts';

/** At most this many ciphertexts (~0.5 MB each at the first level) travel in one frame. */
export const CIPHERTEXTS_PER_PART = 8;

export interface PeerConversation<T extends MessageTable> extends Pick<VerticalRuntime<T, unknown>, 'peers'> {
  /** A frame a peer sent on the model's topic: checked against the model's messages, then queued for the loop (it may come before training starts). */
  receive(from: string, bytes: Uint8Array, maxBytes: number): void;
  /** Where received frames wait; fail() it to stop the loop's waits. */
  readonly inbox: Inbox<Frame<T>>;
  /** Sending and taking whole encrypted vectors, once the vectors' operations exist. */
  vectors(he: EncryptedOps<unknown>): Pick<VerticalRuntime<T, unknown>, 'sendVector' | 'takeVector'>;
}

/** The conversation of a model with `messages`; frames this party sends go out through `send`. */
export function peerConversation<T extends MessageTable>(messages: T, send: (peer: string, frame: Uint8Array) => void): PeerConversation<T> {
  const codec = createCodec(messages);
  const inbox = new Inbox<Frame<T>>();
  const received = <B>(frame: Frame<T>, from: string): Received<B> => ({
    // The inbox took only frames of the kind asked for, checked against its schema by the codec.
    body: frame.body as B,
    ...(frame.payload ? { payload: frame.payload } : {}),
    numbers: (count) => readFloat64(frame.payload, count, `${frame.kind} from ${from}`),
  });
  const peers: Peers<T> = {
    send(peer, kind, body, payload) {
      const bytes = payload instanceof Float64Array ? float64Bytes(payload) : payload;
      send(peer, codec.encode(kind, 0, body, bytes ? { payload: bytes } : {}));
    },
    async take<K extends keyof T & string>(peer: string, kind: K, match?: (body: Static<T[K]>) => boolean) {
      const item = await inbox.take((it) => it.from === peer && it.frame.kind === kind && (match === undefined || match(it.frame.body as Static<T[K]>)));
      return received<Static<T[K]>>(item.frame, peer);
    },
  };
  return {
    peers,
    inbox,
    receive(from, bytes, maxBytes) {
      inbox.push({ from, frame: codec.decode(bytes, maxBytes) });
    },
    vectors: (he) => ({
    sendVector(to, kind: PartKinds<T>, step, v) {
      const blobs = he.toBytes(v);
      const parts = Math.max(1, Math.ceil(blobs.length / CIPHERTEXTS_PER_PART));
      for (let part = 0; part < parts; part++) {
        const payload = packBlobs(blobs.slice(part * CIPHERTEXTS_PER_PART, (part + 1) * CIPHERTEXTS_PER_PART));
        // PartKinds are the kinds whose schema is EncryptedPart, which this body is.
        for (const peer of to) send(peer, codec.encode(kind, 0, { ...step, part, parts } as Static<T[typeof kind]>, { payload }));
      }
    },
    async takeVector(peer, kind: PartKinds<T>, step, layout) {
      const at = (part: number) => (it: { from: string; frame: Frame<T> }) => {
        const b = it.frame.body as { epoch?: number; batch?: number; part?: number };
        return it.from === peer && it.frame.kind === kind && b.epoch === step.epoch && b.batch === step.batch && b.part === part;
      };
      const first = await inbox.take(at(0));
      const frames = [first];
      const { parts } = first.frame.body as { parts: number };
      for (let part = 1; part < parts; part++) frames.push(await inbox.take(at(part)));
      const what = `${kind} from ${peer}`;
      return he.fromBytes(frames.flatMap((f) => unpackBlobs(f.frame.payload, what)), layout, what);
    },
    }),
  };
}
