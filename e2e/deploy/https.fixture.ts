// JSON over HTTPS to a coordinator whose certificate a private CA signed: the test process trusts
// that CA for these calls only (fetch cannot be given a CA without a dispatcher package).
import { request } from 'node:https';

export async function httpsJson<T>(url: string, opts: { ca: string; key?: string; method?: string; body?: unknown }): Promise<{ status: number; body: T }> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: opts.method ?? 'GET', ca: opts.ca,
      headers: { ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}), ...(payload ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T });
        } catch {
          reject(new Error(`${url}: ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
