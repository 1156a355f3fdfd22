// One end-to-end channel per peer carries several conversations of a job (PSI, then training: the
// vertical model's messages, or a horizontal job's); the first byte of each sealed message says
// which, so early messages wait for the right handler.
export const TOPICS = { psi: 1, vertical: 2, psiEval: 3, hfl: 4 } as const;
export type Topic = keyof typeof TOPICS;

export function withTopic(topic: Topic, frame: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(frame.length + 1);
  out[0] = TOPICS[topic];
  out.set(frame, 1);
  return out;
}

export function splitTopic(bytes: Uint8Array): { topic: Topic | undefined; frame: Uint8Array } {
  const id = bytes[0];
  const topic = (Object.keys(TOPICS) as Topic[]).find((t) => TOPICS[t] === id);
  return { topic, frame: bytes.subarray(1) };
}
