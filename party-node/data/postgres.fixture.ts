// A throwaway PostgreSQL server for tests: Debian's `postgresql` package (`.ci/run` installs it),
// a cluster made by initdb in a temporary folder, listening on a free loopback port and on a unix
// socket in that folder, with password (SCRAM) authentication. Run as the `postgres` user when this
// process is root, since initdb and the server refuse to run as root. `stop()` removes everything.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../testing/fixtures.ts';

const run = promisify(execFile);
const BIN_ROOT = '/usr/lib/postgresql';

export interface TestPostgres {
  port: number;
  /** postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE for a login made with `user()`. */
  url(user: string, password: string, database: string): string;
  /** Runs SQL as the superuser, in `database` (default: postgres). */
  sql(text: string, database?: string): Promise<pg.QueryResult>;
  stop(): Promise<void>;
}

/** The newest installed server's bin folder; a clear failure, not a skip, when there is none. */
async function binDir(): Promise<string> {
  const versions = await readdir(BIN_ROOT).catch(() => [] as string[]);
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`PostgreSQL is not installed (no ${BIN_ROOT}/N/bin): apt-get install -y postgresql (as .ci/run does)`);
  return join(BIN_ROOT, newest, 'bin');
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = await binDir();
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-pg-'));
  const root = process.getuid?.() === 0;
  const as = async (cmd: string, args: string[]) => (root ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args));
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const superPassword = `su-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(dir, 'pw');
  await writeFile(pwfile, superPassword, { mode: 0o600 });
  if (root) await run('chown', ['postgres', pwfile]);
  const data = join(dir, 'data');
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  await as('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  const url = (user: string, password: string, database: string) => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async sql(text, database = 'postgres') {
      const client = new pg.Client({ connectionString: url('postgres', superPassword, database) });
      await client.connect();
      try {
        return await client.query(text);
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
