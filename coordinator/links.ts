// The coordinator's side of the party links: WebSocket upgrade with token check, one connection
// per party, heartbeats, frame checks, and the relay between parties of a running job.
// Party nodes dial out to here, so banks open no inbound port.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { FramePeer } from '../protocol/link/peer.ts';
import { FedmarkError, serializeError, type WireError } from '../errors/table.ts';
import { secretMatches } from '../protocol/auth/tokens.ts';
import type { SendOptions } from '../protocol/envelope.ts';
import type { BodyOf, LinkFrame, MessageKind, ReplyKind } from '../protocol/messages/index.ts';
import { PartyRequests } from './partyRequests.ts';
import type { CoordinatorConfig } from './config.ts';

export const LINK_PATH = '/v1/link';

export type FrameTap = (event: { direction: 'in' | 'out'; party: string; bytes: Uint8Array }) => void;

interface Connection {
  ws: WebSocket;
  peer: FramePeer;
  connectedAt: string;
  lastSeen: number;
  missedPongs: number;
}

/** A party busy in a long CPU step may answer a ping late; two silent periods in a row mean it is gone. */
const MAX_MISSED_PONGS = 2;

export interface PartyStatus {
  id: string;
  online: boolean;
  connectedAt?: string;
  lastSeen?: string;
}

export interface LinkEvents {
  frame: [party: string, frame: LinkFrame];
  connected: [party: string];
  disconnected: [party: string];
}

export class PartyLinks extends EventEmitter<LinkEvents> {
  private readonly config: CoordinatorConfig;
  private readonly log: Logger;
  private readonly tap: FrameTap | undefined;
  private readonly wss: WebSocketServer;
  private readonly connections = new Map<string, Connection>();
  private readonly lastSeen = new Map<string, number>();
  private readonly relays = new Map<string, Set<string>>();
  private readonly heartbeat: NodeJS.Timeout;
  /** What the coordinator awaits from parties: replies to its requests, and job frames. */
  readonly requests: PartyRequests;

  constructor(config: CoordinatorConfig, log: Logger, tap?: FrameTap) {
    super();
    this.config = config;
    this.log = log;
    this.tap = tap;
    this.requests = new PartyRequests(this);
    this.on('frame', (party, frame) => this.requests.settle(party, frame));
    this.on('disconnected', (party) => this.requests.partyGone(party));
    // The hard cap closes the socket; frames between the soft limit and it get an error reply and
    // the link stays up.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes * 4 });
    this.heartbeat = setInterval(() => this.beat(), config.heartbeatMs);
    this.heartbeat.unref();
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://coordinator');
    if (url.pathname !== LINK_PATH) return refuse(socket, 404, { code: 'FM_ERR_WIRE_MALFORMED', message: `no link at ${url.pathname}` });
    const party = String(req.headers['x-fedmark-party'] ?? '');
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const known = this.config.parties.find((p) => p.id === party);
    if (!known || !secretMatches(token, known.tokenSha256)) {
      const err = new FedmarkError('FM_ERR_AUTH_TOKEN', { party: party.slice(0, 64) || '(none)' });
      this.log.warn({ party: party.slice(0, 64), code: err.code, remote: req.socket.remoteAddress }, 'party link refused');
      return refuse(socket, 401, serializeError(err));
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(party, ws));
  }

  private accept(party: string, ws: WebSocket): void {
    const previous = this.connections.get(party);
    if (previous) {
      // A reconnecting party replaces its half-dead old socket rather than being locked out by it.
      this.log.info({ party }, 'party reconnected; closing its previous link');
      // Whatever the party was doing on the old link may be lost (it may have restarted).
      this.connections.delete(party);
      this.emit('disconnected', party);
      previous.ws.terminate();
    }
    const conn: Connection = {
      ws,
      peer: new FramePeer((bytes) => this.write(party, ws, bytes), this.config.maxFrameBytes),
      connectedAt: new Date().toISOString(),
      lastSeen: Date.now(),
      missedPongs: 0,
    };
    this.connections.set(party, conn);
    this.lastSeen.set(party, conn.lastSeen);
    ws.on('pong', () => {
      conn.missedPongs = 0;
      this.touch(party, conn);
    });
    ws.on('message', (data, isBinary) => this.onMessage(party, conn, toBytes(data), isBinary));
    ws.on('close', () => {
      if (this.connections.get(party) !== conn) return;
      this.connections.delete(party);
      this.log.info({ party }, 'party disconnected');
      this.emit('disconnected', party);
    });
    ws.on('error', (err) => this.log.warn({ party, err: err.message }, 'party link error'));
    this.log.info({ party }, 'party connected');
    this.emit('connected', party);
  }

  private onMessage(party: string, conn: Connection, bytes: Uint8Array, isBinary: boolean): void {
    this.touch(party, conn);
    this.tap?.({ direction: 'in', party, bytes });
    if (!isBinary) {
      conn.peer.send('error', { error: { code: 'FM_ERR_WIRE_MALFORMED', message: 'malformed frame: text frames are not accepted' } });
      this.log.warn({ party, size: bytes.length }, 'text frame rejected');
      return;
    }
    const got = conn.peer.receive(bytes);
    if ('rejected' in got) {
      this.log.warn({ party, size: got.rejected.size, code: got.rejected.error.code, reason: got.rejected.error.message }, 'frame rejected');
      return;
    }
    const { frame } = got;
    if (frame.kind === 'error') {
      this.log.warn({ party, job: frame.job, code: frame.body.error.code, reason: frame.body.error.message }, 'party reported a rejected frame');
      // A job's frame the party could not take: the job cannot go on as sent (the runner ends it).
      if (frame.job !== undefined) this.emit('frame', party, frame);
      return;
    }
    if (frame.kind === 'relay.send') return this.relay(party, conn, frame);
    this.emit('frame', party, frame);
  }

  private relay(from: string, conn: Connection, frame: Extract<LinkFrame, { kind: 'relay.send' }>): void {
    const { to } = frame.body;
    const members = frame.job === undefined ? undefined : this.relays.get(frame.job);
    const reject = (message: string) => {
      conn.peer.send('error', { rejectedSeq: frame.seq, error: { code: 'FM_ERR_WIRE_UNEXPECTED', message } }, frame.job === undefined ? {} : { job: frame.job });
      this.log.warn({ party: from, job: frame.job, to }, message);
    };
    if (!members || !members.has(from) || !members.has(to) || from === to) return reject('relay refused: both parties must belong to the running job');
    const target = this.connections.get(to);
    if (!target) return reject(`relay refused: party ${to} is not connected`);
    const opts: { job: string; payload?: Uint8Array } = { job: frame.job as string };
    if (frame.payload) opts.payload = frame.payload;
    target.peer.send('relay.deliver', { from }, opts);
  }

  openRelay(job: string, parties: string[]): void {
    this.relays.set(job, new Set(parties));
  }

  closeRelay(job: string): void {
    this.relays.delete(job);
  }

  send<K extends MessageKind>(party: string, kind: K, body: BodyOf<K>, opts: SendOptions = {}): void {
    const conn = this.connections.get(party);
    if (!conn) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party });
    conn.peer.send(kind, body, opts);
  }

  /** The error reply to a party's request `opts.request`. */
  fail(party: string, kind: ReplyKind, error: WireError, opts: { job?: string; request?: number } = {}): void {
    const conn = this.connections.get(party);
    if (!conn) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party });
    conn.peer.fail(kind, error, opts);
  }

  /** Last-seen times from before a restart (see partiesSeen.ts), kept until the party connects again. */
  rememberLastSeen(seen: ReadonlyArray<{ id: string; lastSeen: string }>): void {
    for (const { id, lastSeen } of seen) if (!this.lastSeen.has(id)) this.lastSeen.set(id, Date.parse(lastSeen));
  }

  isOnline(party: string): boolean {
    return this.connections.has(party);
  }

  status(): PartyStatus[] {
    return this.config.parties.map(({ id }) => {
      const conn = this.connections.get(id);
      const seen = this.lastSeen.get(id);
      const s: PartyStatus = { id, online: conn !== undefined };
      if (conn) s.connectedAt = conn.connectedAt;
      if (seen !== undefined) s.lastSeen = new Date(seen).toISOString();
      return s;
    });
  }

  private write(party: string, ws: WebSocket, bytes: Buffer): void {
    this.tap?.({ direction: 'out', party, bytes });
    ws.send(bytes, { binary: true });
  }

  private touch(party: string, conn: Connection): void {
    conn.lastSeen = Date.now();
    this.lastSeen.set(party, conn.lastSeen);
  }

  private beat(): void {
    for (const [party, conn] of this.connections) {
      if (conn.missedPongs >= MAX_MISSED_PONGS) {
        this.log.warn({ party, missed: conn.missedPongs }, 'party missed its heartbeats; closing its link');
        conn.ws.terminate();
        continue;
      }
      conn.missedPongs++;
      conn.ws.ping();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const conn of this.connections.values()) conn.ws.close(1001, 'coordinator shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function refuse(socket: Duplex, status: number, error: WireError): void {
  const body = JSON.stringify(error);
  const reason = status === 401 ? 'Unauthorized' : 'Not Found';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
