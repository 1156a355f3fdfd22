// Which TensorFlow.js backend this process should use. tfjs selects one backend per process, so the
// setting is process-wide: the party node records its config's `tensorBackend` here at start, and the
// backend loads (backend.ts) only when a model first needs it. Kept apart from backend.ts so that
// recording the setting loads no TensorFlow module.
export const TENSOR_BACKENDS = ['auto', 'node', 'wasm', 'cpu'] as const;
export type TensorBackend = (typeof TENSOR_BACKENDS)[number];

let preferred: TensorBackend = 'auto';

export function preferBackend(backend: TensorBackend): void {
  preferred = backend;
}

export function preferredBackend(): TensorBackend {
  return preferred;
}
