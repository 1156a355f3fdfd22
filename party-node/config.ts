// The party node's one configuration: validated once at start-up, defaulted, frozen, passed down.
import { availableParallelism } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import { dirname, resolve } from 'node:path';
import { loadConfigFile, resolveConfigPaths, validateConfig } from '../protocol/config.ts';
import { defaultIdentityFile } from '../protocol/identity/keyFile.ts';
import { PartyId } from '../protocol/messages/job.ts';
import { FINGERPRINT_PATTERN } from '../protocol/identity/signedKey.ts';
import { PolicySchema } from './policy.ts';
import { DatasetsSchema } from './data/catalogue.ts';
import { PsiReuseSchema } from './jobs/psiReuse.ts';
import { TENSOR_BACKENDS } from '../models/mlp/backendSetting.ts';

const PartyIdPattern = Type.String({ pattern: PartyId.pattern });
const Fingerprint = Type.String({ pattern: FINGERPRINT_PATTERN, description: 'SHA-256 fingerprint of the partner\'s identity key (hex, colons optional)' });

export const PartyConfigSchema = Type.Object(
  {
    id: PartyId,
    coordinator: Type.String({ pattern: '^wss?://', description: 'ws://host:port or wss://host:port of the coordinator' }),
    token: Type.String({ minLength: 16, description: 'this party\'s secret; prefer the FEDMARK_PARTY_TOKEN environment variable' }),
    tls: Type.Optional(Type.Object(
      {
        ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA that signed the coordinator\'s certificate' })),
        pinSha256: Type.Optional(Type.String({ pattern: '^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$', description: 'SHA-256 fingerprint of the coordinator\'s certificate (hex, colons optional)' })),
      },
      { additionalProperties: false, description: 'how to check a wss:// coordinator; without it, against the system CAs' },
    )),
    identity: Type.Optional(Type.String({ minLength: 1, description: 'file of this party\'s Ed25519 identity key, created (mode 0600) at first start; `fedmark party identity` prints its fingerprint' })),
    knownPartners: Type.Record(PartyIdPattern, Fingerprint, {
      additionalProperties: false,
      default: {},
      description: 'identity fingerprints of the partners this party will run jobs with, exchanged out of band; a job with any other partner is refused (like SSH known_hosts)',
    }),
    datasets: Type.Optional(DatasetsSchema),
    maxTableBytes: Type.Optional(Type.Integer({ minimum: 1 << 20, description: 'bytes one loaded table may hold (IDs, labels, feature columns); a larger one stops its job or scoring request with FM_ERR_DATA_TOO_LARGE naming the dataset; no limit when absent' })),
    packCacheBytes: Type.Optional(Type.Integer({ minimum: 0, description: 'bytes of WebAssembly memory a vertical job may keep as packed feature plaintexts across epochs (32 per row and feature); a larger table streams them chunk by chunk each epoch, with the same results and more CPU; default 1 GiB' })),
    dataRoots: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'directories whose files a job may name by path (fedmark simulate); without it, jobs name datasets only' })),
    workDir: Type.String({ minLength: 1, description: 'where job outputs (intersections) are written; stays at the party' }),
    threads: Type.Integer({ minimum: 1, maximum: 256, default: availableParallelism(), description: 'worker threads for PSI blinding' }),
    histogramThreads: Type.Integer({
      minimum: 1, maximum: 256, default: 1,
      description: 'worker threads for a gradient-boosted-tree host\'s encrypted histogram products (1: in the job\'s thread); each worker repeats the work per ciphertext of the guest\'s vector, so more threads pay off only for wide tables (docs/benchmarks.md, vertical-gbdt)',
    }),
    tensorBackend: Type.Union(TENSOR_BACKENDS.map((b) => Type.Literal(b)), { default: 'auto', description: 'TensorFlow.js backend for MLPs: auto uses @tensorflow/tfjs-node where it is installed, else wasm; FEDMARK_TF_BACKEND overrides it' }),
    psiChunkSize: Type.Integer({ minimum: 256, maximum: 1 << 20, default: 16_384 }),
    psiReuse: Type.Optional(PsiReuseSchema),
    maxFrameBytes: Type.Integer({ minimum: 1024, default: 8 * 1024 * 1024 }),
    heartbeatTimeoutMs: Type.Integer({ minimum: 100, default: 30_000, description: 'reconnect when the coordinator has not pinged for this long' }),
    reconnectMinMs: Type.Integer({ minimum: 10, default: 250 }),
    reconnectMaxMs: Type.Integer({ minimum: 10, default: 10_000 }),
    policy: Type.Optional(PolicySchema),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  },
  { additionalProperties: false },
);
export type PartyConfig = Readonly<Static<typeof PartyConfigSchema>>;

/** A party config file as its operator wrote it: relative paths are read from the file's folder. */
export async function readPartyConfigFile(file: string): Promise<Record<string, unknown>> {
  const raw = (await loadConfigFile(file)) as Record<string, unknown>;
  resolveConfigPaths(raw, ['workDir', 'identity', 'tls.ca', 'dataRoots'], dirname(resolve(file)));
  return raw;
}

/**
 * The defaults that follow from other settings: the work folder from the party's id, the identity
 * key beside the config file. `fedmark party` and `fedmark party identity` both use them, so both
 * find the same key.
 */
export function applyDerivedDefaults(raw: Record<string, unknown>, configFile: string | undefined): void {
  raw.workDir ??= `.fedmark/party-${String(raw.id ?? 'unnamed')}`;
  if (configFile) raw.identity ??= defaultIdentityFile(configFile);
}

export function partyConfig(input: unknown, source: string): PartyConfig {
  return validateConfig(PartyConfigSchema, input, source);
}
