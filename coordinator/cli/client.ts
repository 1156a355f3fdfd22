// How the CLI finds and calls a running coordinator. The URL and API key come from, in order:
// flags (--url/--coordinator, --key/--api-key), the environment (FEDMARK_URL, FEDMARK_KEY; the older
// FEDMARK_COORDINATOR, FEDMARK_API_KEY too), a config file (--config FILE, else
// $XDG_CONFIG_HOME/fedmark/cli.yaml or ~/.config/fedmark/cli.yaml), else http://127.0.0.1:7400.
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { loadConfigFile, validateConfig } from '../../protocol/config.ts';
import { FedmarkError, toFedmarkError } from '../../errors/table.ts';
import { unreachableMessage } from './reachError.ts';
import { fail } from './output.ts';

export const DEFAULT_URL = 'http://127.0.0.1:7400';

/** parseArgs options every command that talks to a coordinator accepts. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  coordinator: { type: 'string' },
  key: { type: 'string' },
  'api-key': { type: 'string' },
  config: { type: 'string' },
} as const;

export const CONNECTION_HELP = `Coordinator and key: --url URL and --key KEY, or FEDMARK_URL and FEDMARK_KEY, or a config file
(--config FILE, default ~/.config/fedmark/cli.yaml) with "url:" and "key:"; the URL defaults to
${DEFAULT_URL}.`;

const CliConfigSchema = Type.Object(
  {
    url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);

export interface ConnectionFlags {
  url?: string | undefined;
  coordinator?: string | undefined;
  key?: string | undefined;
  'api-key'?: string | undefined;
  config?: string | undefined;
}

export interface Connection {
  url: string;
  key: string;
  /** Where the URL and the key came from, for error messages. */
  urlFrom: string;
  keyFrom: string;
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'fedmark', 'cli.yaml');
}

export async function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const path = flags.config ?? defaultConfigPath(env);
  const explicit = flags.config !== undefined;
  let file: { url?: string; key?: string } = {};
  if (explicit || exists(path)) {
    file = validateConfig(CliConfigSchema, await loadConfigFile(path), path);
    if (file.key && (statSync(path).mode & 0o077) !== 0) {
      process.stderr.write(`fedmark: warning: ${path} holds an API key and other users may read it; run chmod 600 ${path}\n`);
    }
  }
  const pick = (candidates: Array<[string | undefined, string]>): [string, string] | undefined => {
    const found = candidates.find(([v]) => v !== undefined && v !== '');
    return found ? [found[0] as string, found[1]] : undefined;
  };
  const [url, urlFrom] = pick([
    [flags.url, '--url'], [flags.coordinator, '--coordinator'], [env.FEDMARK_URL, 'FEDMARK_URL'], [env.FEDMARK_COORDINATOR, 'FEDMARK_COORDINATOR'], [file.url, path],
  ]) ?? [DEFAULT_URL, 'the default'];
  const [key, keyFrom] = pick([
    [flags.key, '--key'], [flags['api-key'], '--api-key'], [env.FEDMARK_KEY, 'FEDMARK_KEY'], [env.FEDMARK_API_KEY, 'FEDMARK_API_KEY'], [file.key, path],
  ]) ?? ['', 'nowhere'];
  if (!/^https?:\/\//.test(url)) throw new FedmarkError('FM_ERR_CFG_INVALID', { source: urlFrom, field: 'url', reason: `${url} is not an http(s) URL` });
  return { url: url.replace(/\/+$/, ''), key, urlFrom, keyFrom };
}

function exists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Calls the coordinator; any failure ends the command with a message that says what to check. */
export class ApiClient {
  readonly connection: Connection;

  constructor(connection: Connection) {
    this.connection = connection;
  }

  static async from(flags: ConnectionFlags): Promise<ApiClient> {
    return new ApiClient(await resolveConnection(flags));
  }

  async request(method: string, path: string, body?: unknown, init: { signal?: AbortSignal } = {}): Promise<Response> {
    const { url, key } = this.connection;
    if (!key) fail(`no API key: pass --key KEY, set FEDMARK_KEY, or put "key:" in ${defaultConfigPath()}`);
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(init.signal ? { signal: init.signal } : {}),
    }).catch((err: unknown) => {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return fail(unreachableMessage(url, this.connection.urlFrom, cause, toFedmarkError(err).message), 1);
    });
    if (!res.ok) {
      const payload = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
      const hint = res.status === 401 ? ` (key from ${this.connection.keyFrom})` : '';
      fail(`${payload.code ?? res.status}: ${payload.message ?? res.statusText}${hint}`, 1);
    }
    return res;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  /** Reads a Server-Sent Events stream; resolves when the coordinator closes it. */
  async follow(path: string, onMessage: (event: string, data: unknown) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.request('GET', path, undefined, signal ? { signal } : {});
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const message = parseSseBlock(block);
          if (message) onMessage(message.event, message.data);
        }
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
  }
}

/** One SSE message (`event:` and `data:` lines); comments and blocks without data give undefined. */
export function parseSseBlock(block: string): { event: string; data: unknown } | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  return data.length ? { event, data: JSON.parse(data.join('\n')) as unknown } : undefined;
}
