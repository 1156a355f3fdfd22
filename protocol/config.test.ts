import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfigPaths } from './config.ts';

describe('resolveConfigPaths', () => {
  it('reads relative paths from the config file\'s folder, nested and in arrays, and leaves the rest', () => {
    const raw: Record<string, unknown> = {
      store: 'coordinator.db',
      tls: { cert: 'certs/coordinator.crt', key: '/etc/fedmark/coordinator.key' },
      dataRoots: ['data', '/srv/exports'],
      port: 7400,
    };
    resolveConfigPaths(raw, ['store', 'tls.cert', 'tls.key', 'dataRoots', 'identity', 'missing.deeper'], '/opt/fedmark');
    expect(raw).toEqual({
      store: resolve('/opt/fedmark/coordinator.db'),
      tls: { cert: resolve('/opt/fedmark/certs/coordinator.crt'), key: '/etc/fedmark/coordinator.key' },
      dataRoots: [resolve('/opt/fedmark/data'), '/srv/exports'],
      port: 7400,
      identity: undefined,
    });
  });

  it('keeps the in-memory store as it is', () => {
    const raw: Record<string, unknown> = { store: ':memory:' };
    resolveConfigPaths(raw, ['store'], '/opt/fedmark');
    expect(raw.store).toBe(':memory:');
  });
});
