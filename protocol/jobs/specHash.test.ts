// The approval hash: the same job in any key order hashes the same; an attempt number does not
// count; any change a coordinator could make after approval does.
import { describe, expect, it } from 'vitest';
import type { JobPrepareBody } from '../messages/job.ts';
import { canonicalJson, specSha256 } from './specHash.ts';

const body: JobPrepareBody = {
  name: 'credit', kind: 'vertical', role: 'host', peers: [{ id: 'bank', role: 'guest' }],
  dataset: { dataset: 'customers', idColumn: 'id', features: ['age', 'income'] },
};

describe('specSha256', () => {
  it('sorts keys at every level and skips undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('is the same for the same job in another key order or attempt, and a known value', () => {
    const reordered = JSON.parse(JSON.stringify({ peers: body.peers, dataset: { features: ['age', 'income'], idColumn: 'id', dataset: 'customers' }, role: 'host', kind: 'vertical', name: 'credit' })) as JobPrepareBody;
    expect(specSha256(reordered)).toBe(specSha256(body));
    expect(specSha256({ ...body, attempt: 3 })).toBe(specSha256(body));
    // sha256 of the canonical text, computed once with `printf %s TEXT | sha256sum`.
    expect(canonicalJson({ ...body })).toBe('{"dataset":{"dataset":"customers","features":["age","income"],"idColumn":"id"},"kind":"vertical","name":"credit","peers":[{"id":"bank","role":"guest"}],"role":"host"}');
    expect(specSha256(body)).toBe('13e0853f35fe52da4a8d0376229731377f094dedbc6318413b96d410e51c0480');
  });

  it('changes with a feature, a partner, the dataset or the feature order', () => {
    const base = specSha256(body);
    const variants: JobPrepareBody[] = [
      { ...body, dataset: { ...body.dataset, features: ['age', 'income', 'postcode'] } },
      { ...body, peers: [...body.peers, { id: 'broker', role: 'host' }] },
      { ...body, dataset: { ...body.dataset, dataset: 'all-customers' } },
      { ...body, dataset: { ...body.dataset, features: ['income', 'age'] } },
    ];
    for (const v of variants) expect(specSha256(v)).not.toBe(base);
  });
});
