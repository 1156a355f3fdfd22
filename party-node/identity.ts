// The party's long-term identity key on disk: created at first start (mode 0600, never overwritten),
// read at every later start. Partners pin its fingerprint; losing the file means new pins everywhere.
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { FedmarkError } from '../protocol/errors.ts';
import { identityFromSecret, newIdentity, type IdentityKeyPair } from '../protocol/identity/signedKey.ts';
import type { PartyConfig } from './config.ts';

const KIND = 'fedmark-identity/ed25519/v1';

/** Where the identity lives: the config's `identity`, else beside the work directory's outputs. */
export function identityPath(config: Pick<PartyConfig, 'identity' | 'workDir'>): string {
  return config.identity ?? join(config.workDir, 'identity.key');
}

/** Where a config file's party keeps its identity when the config does not say: beside the file. */
export function defaultIdentityFile(configFile: string): string {
  return join(dirname(configFile), `${basename(configFile, extname(configFile))}.identity.key`);
}

/** Reads the identity at `path`, creating it first if there is none; `created` says which. */
export function loadOrCreateIdentity(path: string): { identity: IdentityKeyPair; created: boolean } {
  const bad = (reason: string, cause?: unknown) => new FedmarkError('FM_ERR_CFG_INVALID', { source: path, field: 'identity', reason }, { cause });
  let created = false;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const identity = newIdentity();
    // 'wx' fails if the file exists, so a second process starting at the same time keeps the first key.
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify({ kind: KIND, secretKey: Buffer.from(identity.secretKey).toString('hex') })}\n`);
    } finally {
      closeSync(fd);
    }
    // The process umask may only remove bits; set it outright in case the file system widened it.
    chmodSync(path, 0o600);
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw bad(`cannot create: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, err);
  }
  // Like ssh with a private key, refuse a key file other users of the machine could read.
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) throw bad(`the file is readable by other users (mode ${mode.toString(8)}); chmod 600 it`);
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw bad('not a fedmark identity file', err);
  }
  const secret = (saved as { kind?: unknown; secretKey?: unknown } | null);
  if (secret?.kind !== KIND || typeof secret.secretKey !== 'string' || !/^[0-9a-f]{128}$/.test(secret.secretKey)) throw bad('not a fedmark identity file');
  return { identity: identityFromSecret(Buffer.from(secret.secretKey, 'hex')), created };
}
