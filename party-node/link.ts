// The party's link to the coordinator: the party dials out (no inbound port at the bank),
// authenticates with its token, watches the coordinator's heartbeat pings and reconnects with
// exponential backoff and jitter. A refused token is fatal: retrying would not fix it.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import { FramePeer } from '../protocol/link/peer.ts';
import { FedmarkError, type WireError } from '../errors/table.ts';
import type { SendOptions } from '../protocol/envelope.ts';
import type { BodyOf, LinkFrame, MessageKind, ReplyKind } from '../protocol/messages/index.ts';
import type { PartyConfig } from './config.ts';
import { caOptions, coordinatorTrust, isCertificateError, pinnedSocket, type CoordinatorTrust } from './tls.ts';

export const LINK_PATH = '/v1/link';

export interface PartyLinkEvents {
  frame: [frame: LinkFrame];
  connected: [];
  disconnected: [];
  fatal: [error: FedmarkError];
}

export class CoordinatorLink extends EventEmitter<PartyLinkEvents> {
  private readonly config: PartyConfig;
  private readonly log: Logger;
  private ws: WebSocket | undefined;
  private peer: FramePeer | undefined;
  private attempts = 0;
  private stopped = false;
  private watchdog: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly onSend: ((bytes: Uint8Array) => void) | undefined;
  private readonly trust: CoordinatorTrust | undefined;

  /** `onSend` sees every frame just before it leaves (the audit ledger); if it throws, the frame is not sent. */
  constructor(config: PartyConfig, log: Logger, onSend?: (bytes: Uint8Array) => void) {
    super();
    this.config = config;
    this.log = log;
    this.onSend = onSend;
    this.trust = coordinatorTrust(config);
    const host = new URL(config.coordinator).hostname;
    if (config.coordinator.startsWith('ws://') && !['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
      log.warn({ coordinator: config.coordinator }, 'the link to the coordinator is not encrypted: use wss:// outside a test setup');
    }
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  get connected(): boolean {
    return this.peer !== undefined;
  }

  send<K extends MessageKind>(kind: K, body: BodyOf<K>, opts: SendOptions = {}): void {
    if (!this.peer) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party: 'coordinator' });
    this.peer.send(kind, body, opts);
  }

  /** The error reply to the coordinator's request `opts.request`. */
  fail(kind: ReplyKind, error: WireError, opts: { job?: string; request?: number } = {}): void {
    if (!this.peer) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party: 'coordinator' });
    this.peer.fail(kind, error, opts);
  }

  private connect(): void {
    const url = new URL(LINK_PATH, this.config.coordinator.replace(/\/?$/, '/'));
    const trust = url.protocol === 'wss:' ? this.trust : undefined;
    if (trust?.pin && !trust.ca) {
      pinnedSocket(url, trust.pin, 10_000).then(
        (socket) => (this.stopped ? socket.destroy() : this.open(url, { createConnection: () => socket })),
        (err: Error) => {
          if (isCertificateError(err)) return this.certificateRefused(url, err);
          this.log.warn({ err: err.message }, 'link error');
          this.scheduleReconnect();
        },
      );
      return;
    }
    this.open(url, trust?.ca ? (caOptions(trust) as unknown as WebSocket.ClientOptions) : {});
  }

  /** The coordinator is not who the config says: stop, as for a refused token, and say why. */
  private certificateRefused(url: URL, err: Error): void {
    if (this.stopped) return;
    const hint = this.trust ? 'check tls.ca and tls.pinSha256 in the party config' : 'set tls.ca or tls.pinSha256 in the party config';
    const error = new FedmarkError('FM_ERR_AUTH_TLS', { url: url.origin, reason: `${err.message} (${hint})` });
    this.log.error({ code: error.code, tls: (err as { code?: string }).code }, error.message);
    this.stopped = true;
    this.emit('fatal', error);
  }

  private open(url: URL, tlsOptions: WebSocket.ClientOptions): void {
    const ws = new WebSocket(url, {
      ...tlsOptions,
      headers: { authorization: `Bearer ${this.config.token}`, 'x-fedmark-party': this.config.id },
      maxPayload: this.config.maxFrameBytes * 4,
      handshakeTimeout: 10_000,
    });
    this.ws = ws;
    ws.on('open', () => {
      this.attempts = 0;
      this.peer = new FramePeer((bytes) => this.write(ws, bytes), this.config.maxFrameBytes);
      this.armWatchdog(ws);
      this.log.info({ coordinator: this.config.coordinator }, 'connected to coordinator');
      this.emit('connected');
    });
    ws.on('ping', () => this.armWatchdog(ws));
    ws.on('message', (data, isBinary) => this.onMessage(toBytes(data), isBinary));
    ws.on('unexpected-response', (_req, res) => {
      if (res.statusCode === 401) {
        const err = new FedmarkError('FM_ERR_AUTH_TOKEN', { party: this.config.id });
        this.log.error({ code: err.code }, err.message);
        this.stopped = true;
        this.emit('fatal', err);
      } else {
        this.log.warn({ status: res.statusCode }, 'coordinator refused the link');
      }
      ws.terminate();
    });
    ws.on('error', (err) => (isCertificateError(err) ? this.certificateRefused(url, err) : this.log.warn({ err: err.message }, 'link error')));
    ws.on('close', () => {
      if (this.ws !== ws) return;
      const wasUp = this.peer !== undefined;
      this.peer = undefined;
      clearTimeout(this.watchdog);
      if (wasUp) {
        this.log.warn('link to coordinator closed');
        this.emit('disconnected');
      }
      this.scheduleReconnect();
    });
  }

  private onMessage(bytes: Uint8Array, isBinary: boolean): void {
    if (!this.peer) return;
    if (!isBinary) {
      this.log.warn({ size: bytes.length }, 'text frame from coordinator ignored');
      return;
    }
    const got = this.peer.receive(bytes);
    if ('rejected' in got) {
      this.log.warn({ size: got.rejected.size, code: got.rejected.error.code, reason: got.rejected.error.message }, 'frame rejected');
      return;
    }
    this.emit('frame', got.frame);
  }

  private write(ws: WebSocket, bytes: Buffer): void {
    this.onSend?.(bytes);
    ws.send(bytes, { binary: true });
  }

  private armWatchdog(ws: WebSocket): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      this.log.warn({ afterMs: this.config.heartbeatTimeoutMs }, 'no heartbeat from coordinator; reconnecting');
      ws.terminate();
    }, this.config.heartbeatTimeoutMs);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const base = Math.min(this.config.reconnectMaxMs, this.config.reconnectMinMs * 2 ** this.attempts);
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.attempts++;
    this.log.info({ delayMs: delay, attempt: this.attempts }, 'reconnecting to coordinator');
    this.retry = setTimeout(() => this.connect(), delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearTimeout(this.watchdog);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000, 'party stopping');
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000).unref();
    });
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
