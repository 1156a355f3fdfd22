// A throwaway PostgreSQL server for the scale benchmark, as party-node/data/postgres.fixture.ts
// starts one for the tests (the floors keep benchmarks from importing fixtures): Debian's
// `postgresql` package, a cluster made by initdb in a temporary folder, a free loopback port,
// password (SCRAM) authentication, run as the `postgres` user when this process is root.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const BIN_ROOT = '/usr/lib/postgresql';

export interface BenchPostgres {
  url(user: string, password: string, database: string): string;
  sql(text: string, database?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<BenchPostgres> {
  const versions = await readdir(BIN_ROOT).catch(() => [] as string[]);
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`PostgreSQL is not installed (no ${BIN_ROOT}/N/bin): apt-get install -y postgresql`);
  const bin = join(BIN_ROOT, newest, 'bin');
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-bench-pg-'));
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) => (root ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args));
  if (root) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(dir, uid, gid);
  }
  const password = `su-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(dir, 'pw');
  await writeFile(pwfile, password, { mode: 0o600 });
  if (root) await run('chown', ['postgres', pwfile]);
  const data = join(dir, 'data');
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  await as('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  const url = (user: string, pw: string, database: string) => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${database}`;
  return {
    url,
    async sql(text, database = 'postgres') {
      const client = new pg.Client({ connectionString: url('postgres', password, database) });
      await client.connect();
      try {
        await client.query(text);
      } finally {
        await client.end();
      }
    },
    async stop() {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
