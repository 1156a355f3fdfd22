import { chmod, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/fixtures.ts';
import { fingerprint } from './signedKey.ts';
import { defaultIdentityFile, loadOrCreateIdentity } from './keyFile.ts';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('identity');
});

describe('the party identity file', () => {
  it('is created once with mode 0600, then read back as the same key', async () => {
    const file = join(dir, 'new', 'bank.identity.key');
    const first = loadOrCreateIdentity(file);
    expect(first.created).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = loadOrCreateIdentity(file);
    expect(again.created).toBe(false);
    expect(fingerprint(again.identity.publicKey)).toBe(fingerprint(first.identity.publicKey));
  });

  it('is refused when other users could read it, naming the file and the fix', async () => {
    const file = join(dir, 'open.identity.key');
    loadOrCreateIdentity(file);
    await chmod(file, 0o640);
    expect(() => loadOrCreateIdentity(file)).toThrow(/open\.identity\.key: identity: .*mode 640\); chmod 600 it/);
  });

  it('is refused when it is not an identity file, without echoing its content', async () => {
    const file = join(dir, 'other.key');
    await writeFile(file, 'secret-looking-content', { mode: 0o600 });
    expect(() => loadOrCreateIdentity(file)).toThrow(/other\.key: identity: not a fedmark identity file$/);
  });

  it('lives beside its config file by default', () => {
    expect(defaultIdentityFile('/etc/fedmark/party-bank.yaml')).toBe('/etc/fedmark/party-bank.identity.key');
  });
});
