// The party's long-term identity key on disk: created at first start (mode 0600, never overwritten),
// read at every later start. Partners pin its fingerprint; losing the file means new pins everywhere.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { FedmarkError } from '../../errors/table.ts';
import { identityFromSecret, newIdentity, type IdentityKeyPair } from './signedKey.ts';

const KIND = 'fedmark-identity/ed25519/v1';

/** Where the identity lives: the config's `identity`, else beside the work directory's outputs. */
export function identityPath(config: { identity?: string | undefined; workDir: string }): string {
  return config.identity ?? join(config.workDir, 'identity.key');
}

/** Where a config file's party keeps its identity when the config does not say: beside the file. */
export function defaultIdentityFile(configFile: string): string {
  return join(dirname(configFile), `${basename(configFile, extname(configFile))}.identity.key`);
}

/**
 * Writes a new key file in full under a temporary name, then links it into place: a party starting
 * at the same moment either finds no file or a complete one, and the first to link wins.
 */
function writeOnce(path: string, identity: IdentityKeyPair): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ kind: KIND, secretKey: Buffer.from(identity.secretKey).toString('hex') })}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    // The process umask may only remove bits; set them outright in case the file system widened them.
    chmodSync(temporary, 0o600);
    linkSync(temporary, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(temporary);
  }
}

/** Reads the identity at `path`, creating it first if there is none; `created` says which. */
export function loadOrCreateIdentity(path: string): { identity: IdentityKeyPair; created: boolean } {
  const bad = (reason: string, cause?: unknown) => new FedmarkError('FM_ERR_CFG_INVALID', { source: path, field: 'identity', reason }, { cause });
  let created = false;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (!existsSync(path)) created = writeOnce(path, newIdentity());
  } catch (err) {
    throw bad(`cannot create: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, err);
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
