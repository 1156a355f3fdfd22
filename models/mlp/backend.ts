// The tensor backend of the MLP, a setting (the party config's tensorBackend = auto | node | wasm | cpu):
//   node — @tensorflow/tfjs-node (native TensorFlow), used by `auto` where it is installed;
//   wasm — @tensorflow/tfjs-backend-wasm, the default: its .wasm binaries ship inside the npm
//          package (dist/*.wasm) and are read from node_modules, nothing is fetched at run time;
//   cpu  — plain JavaScript (@tensorflow/tfjs-backend-cpu), slow, for debugging.
// Kernels are float32 in every backend.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { inputError } from '../check.ts';
import { preferredBackend, type TensorBackend } from './backendSetting.ts';

let ready: Promise<string> | undefined;

/** Selects the backend once per process and returns its name. */
export function useBackend(requested: TensorBackend = preferredBackend()): Promise<string> {
  ready ??= select(requested);
  return ready;
}

async function select(requested: TensorBackend): Promise<string> {
  const require = createRequire(import.meta.url);
  if (requested === 'node' || requested === 'auto') {
    try {
      require.resolve('@tensorflow/tfjs-node');
      const name = '@tensorflow/tfjs-node';
      await import(name);
      if (await tf.setBackend('tensorflow')) return 'tensorflow';
    } catch (err) {
      if (requested === 'node') throw inputError('tensorBackend', 'a backend that is installed', `node (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  if (requested === 'cpu') {
    await tf.setBackend('cpu');
    return 'cpu';
  }
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
  if (!(await tf.setBackend('wasm'))) throw inputError('tensorBackend', 'a backend that initialises', 'wasm');
  return 'wasm';
}
