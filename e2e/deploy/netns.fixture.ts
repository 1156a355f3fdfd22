// Separate "hosts" on one Linux machine for deployment tests: each host is a network namespace of
// its own (ip netns) joined to the coordinator's by a veth pair, with a folder of its own that no
// other host's processes can see (each process runs in a mount namespace where the other hosts'
// folders are covered by empty tmpfs mounts), and /etc/hosts of its own (ip netns exec mounts
// /etc/netns/NS/hosts over it) naming the coordinator. Addresses are in the test's namespaces only;
// nothing is added to the machine's own network. Needs root, as CI runs.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpawnOptions } from 'node:child_process';
import { run, runOk, Service, type Ran } from './processes.fixture.ts';

/** Why namespaces cannot be used here, or undefined if they can (root, with ip on the PATH). */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return `creating network namespaces needs root (this test runs as uid ${process.getuid?.()})`;
  if (!['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some((p) => existsSync(p))) return 'the ip command (iproute2) is not installed';
  return undefined;
}

export interface Host {
  name: string;
  /** The network namespace's name. */
  ns: string;
  /** The host's own folder: its "disk". */
  dir: string;
  /** Its address on its link to the coordinator's host, and the coordinator's on that link (none for the coordinator's own host). */
  link?: { address: string; coordinator: string };
}

const PREFIX = 'fmnet';

export class Lab {
  readonly hosts = new Map<string, Host>();
  private readonly services: Service[] = [];
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  /**
   * Creates the coordinator's host and one host per name in `others`, each linked to the
   * coordinator's host only (parties cannot reach each other, as across banks). Each other host
   * resolves `coordinatorHostName` to the coordinator's address on its link.
   */
  static async create(root: string, coordinator: string, others: readonly string[], coordinatorHostName: string): Promise<Lab> {
    await removeStale();
    const lab = new Lab(root);
    const tag = `${PREFIX}${process.pid}`;
    try {
      const hub = await lab.addHost(coordinator, `${tag}-${coordinator}`);
      for (const [i, name] of others.entries()) {
        const subnet = `10.231.${i + 1}`;
        const host = await lab.addHost(name, `${tag}-${name}`, { address: `${subnet}.2`, coordinator: `${subnet}.1` });
        // Interface names are per namespace, so these never meet another run's; Linux allows 15 characters.
        const hubEnd = `to-${name}`.slice(0, 15);
        await ip(['link', 'add', hubEnd, 'netns', hub.ns, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', host.ns]);
        await ip(['-n', hub.ns, 'addr', 'add', `${subnet}.1/30`, 'dev', hubEnd]);
        await ip(['-n', hub.ns, 'link', 'set', hubEnd, 'up']);
        await ip(['-n', host.ns, 'addr', 'add', `${subnet}.2/30`, 'dev', 'uplink']);
        await ip(['-n', host.ns, 'link', 'set', 'uplink', 'up']);
        await mkdir(`/etc/netns/${host.ns}`, { recursive: true });
        await writeFile(`/etc/netns/${host.ns}/hosts`, `127.0.0.1 localhost\n${subnet}.1 ${coordinatorHostName}\n`);
      }
      return lab;
    } catch (err) {
      await lab.destroy();
      throw new Error(`cannot build the test's network namespaces: ${(err as Error).message}`);
    }
  }

  private async addHost(name: string, ns: string, link?: Host['link']): Promise<Host> {
    const host: Host = { name, ns, dir: join(this.root, 'hosts', name), ...(link ? { link } : {}) };
    this.hosts.set(name, host);
    await mkdir(host.dir, { recursive: true });
    await ip(['netns', 'add', ns]);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    return host;
  }

  host(name: string): Host {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host ${name}`);
    return host;
  }

  /**
   * The argv that runs `command` on `host`: `ip netns exec NS`, then the other hosts' folders and
   * `hidden` covered, then the command itself.
   */
  private argv(host: Host, command: readonly string[], hidden: readonly string[]): string[] {
    const others = [...this.hosts.values()].filter((h) => h !== host).map((h) => h.dir);
    const cover = 'for d in $1; do mount -t tmpfs -o size=64k,mode=000 fedmark-elsewhere "$d" || exit 97; done; shift; exec "$@"';
    return ['netns', 'exec', host.ns, 'sh', '-c', cover, 'sh', [...others, ...hidden].join(' '), ...command];
  }

  /** Runs a command to its end on `host`. */
  exec(host: string, command: readonly string[], opts: SpawnOptions & { hidden?: readonly string[] } = {}): Promise<Ran> {
    return run('ip', this.argv(this.host(host), command, opts.hidden ?? []), { cwd: this.host(host).dir, ...opts });
  }

  /** Starts a long-running command on `host`; destroy() stops it. */
  start(host: string, name: string, command: readonly string[], opts: SpawnOptions & { hidden?: readonly string[] } = {}): Service {
    const service = new Service(name, 'ip', this.argv(this.host(host), command, opts.hidden ?? []), { cwd: this.host(host).dir, ...opts });
    this.services.push(service);
    return service;
  }

  /** Stops every service, then removes the namespaces (and their links) and their /etc/netns files. */
  async destroy(): Promise<void> {
    await Promise.all(this.services.map((s) => s.stop()));
    for (const host of this.hosts.values()) await removeNamespace(host.ns);
  }
}

async function ip(args: readonly string[]): Promise<void> {
  await runOk('ip', args);
}

async function removeNamespace(ns: string): Promise<void> {
  await run('ip', ['netns', 'del', ns]);
  await rm(`/etc/netns/${ns}`, { recursive: true, force: true });
}

/** Namespaces left by a test run that was killed before its cleanup (its process is gone). */
async function removeStale(): Promise<void> {
  const listed = await run('ip', ['netns', 'list']);
  for (const line of listed.stdout.split('\n')) {
    const m = new RegExp(`^(${PREFIX}(\\d+)-\\S+)`).exec(line);
    if (m && !existsSync(`/proc/${m[2]}`)) await removeNamespace(m[1] as string);
  }
}
