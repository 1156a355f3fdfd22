import { BlindingPool } from './protocol/psi/pool.ts';
import { PsiGuest, PsiHost, type PsiContext } from './protocol/psi/session.ts';
import { FileReuseStore } from './party-node/jobs/psiReuse.ts';
const n = Number(process.argv[2] ?? 200000);
const pool = new BlindingPool({ threads: 2 });
const id = (i: number) => `C-${i.toString(16).padStart(24, '0')}`;
const mk = (from: number, count: number, drop: (i: number) => boolean, add: number[]) => { const out: string[] = []; for (let i = from; i < from + count; i++) if (!drop(i)) out.push(id(i)); for (const a of add) out.push(id(a)); return out; };
const stores = { guest: new FileReuseStore({ party: 'g', workDir: '/tmp/p14/g', partner: 'h', table: 't', rotateDays: 30, now: Date.now }), h: new FileReuseStore({ party: 'h', workDir: '/tmp/p14/h', partner: 'guest', table: 't', rotateDays: 30, now: Date.now }) };
const lower = (ids: string[]) => ({ length: ids.length, at: (i: number) => ids[i]?.toLowerCase() });
async function run(g: string[], h: string[], job: string) {
  const parties = new Map<string, PsiGuest | PsiHost>();
  const ctx = (self: 'guest' | 'h'): PsiContext => ({ job, pool, chunkSize: 16384, send: (peer, frame) => setImmediate(() => parties.get(peer)?.receive(self, frame)), reuse: () => stores[self] });
  const guest = new PsiGuest(ctx('guest'), lower(g), ['h']); const host = new PsiHost(ctx('h'), lower(h), 'guest');
  parties.set('guest', guest).set('h', host);
  const c = process.cpuUsage(); const t = performance.now();
  const [r] = await Promise.all([guest.start(), host.start()]);
  const u = process.cpuUsage(c);
  console.log(job, 'wall ms', Math.round(performance.now() - t), 'cpu ms', Math.round((u.user + u.system) / 1000), 'rows', r.length);
}
const c = n / 200;
await run(mk(0, n, () => false, []), mk(n / 2, n, () => false, []), 'job-1');
await run(mk(0, n, (i) => i % 200 === 0, Array.from({ length: c }, (_, k) => 2 * n + k)), mk(n / 2, n, (i) => i % 200 === 1, Array.from({ length: c }, (_, k) => 2 * n + c / 2 + k)), 'job-2');
await pool.close();
