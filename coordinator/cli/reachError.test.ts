import { describe, expect, it } from 'vitest';
import { unreachableMessage } from './reachError.ts';

const url = 'https://coordinator.example:7400';

describe('unreachableMessage', () => {
  it('says a refused connection may be a coordinator that is not running', () => {
    expect(unreachableMessage(url, 'FEDMARK_URL', 'ECONNREFUSED', 'fetch failed')).toBe(
      'cannot reach the coordinator at https://coordinator.example:7400 (from FEDMARK_URL): ECONNREFUSED; is it running? Set the URL with --url or FEDMARK_URL.',
    );
  });

  it('names an untrusted certificate and the variable that fixes it, not "is it running?"', () => {
    const line = unreachableMessage(url, '--url', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'fetch failed');
    expect(line).toContain('certificate this machine does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
    expect(line).toContain('NODE_EXTRA_CA_CERTS');
    expect(line).not.toContain('is it running');
  });

  it('names the host a certificate does not list', () => {
    expect(unreachableMessage('https://127.0.0.1:7400', '--url', 'ERR_TLS_CERT_ALTNAME_INVALID', 'fetch failed')).toContain('does not name 127.0.0.1');
  });

  it('tells an expired certificate and an unknown host apart', () => {
    expect(unreachableMessage(url, '--url', 'CERT_HAS_EXPIRED', 'x')).toContain('outside its validity dates');
    expect(unreachableMessage(url, '--url', 'ENOTFOUND', 'x')).toBe('cannot find the host of the coordinator at https://coordinator.example:7400 (from --url) (ENOTFOUND): check the URL');
  });
});
