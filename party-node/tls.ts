// How a party checks the coordinator it dials: against a configured CA (certificate chain and host
// name), a pinned SHA-256 fingerprint of the coordinator's certificate, or both. The check happens
// in the TLS handshake, before the party's token is sent.
import { readFileSync } from 'node:fs';
import { checkServerIdentity, connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { FedmarkError } from '../errors/table.ts';
import type { PartyConfig } from './config.ts';

export interface CoordinatorTrust {
  /** PEM of the CA that signed the coordinator's certificate. */
  ca?: Buffer;
  /** Upper-case hex pairs joined by colons, as node:tls reports `fingerprint256`. */
  pin?: string;
}

/** Any case, with or without colons, to the form node:tls reports. */
export function normalisePin(pin: string): string {
  return pin.replaceAll(':', '').toUpperCase().match(/../g)?.join(':') ?? '';
}

export function coordinatorTrust(config: PartyConfig): CoordinatorTrust | undefined {
  if (!config.tls) return undefined;
  if (!config.coordinator.startsWith('wss://')) {
    throw new FedmarkError('FM_ERR_CFG_INVALID', { source: 'party config', field: 'tls', reason: `set, but coordinator ${config.coordinator} is not a wss:// address: the token would travel unencrypted` });
  }
  if (!config.tls.ca && !config.tls.pinSha256) throw new FedmarkError('FM_ERR_CFG_INVALID', { source: 'party config', field: 'tls', reason: 'give ca, pinSha256 or both' });
  const trust: CoordinatorTrust = {};
  if (config.tls.ca) {
    try {
      trust.ca = readFileSync(config.tls.ca);
    } catch (err) {
      throw new FedmarkError('FM_ERR_CFG_INVALID', { source: 'party config', field: 'tls.ca', reason: `cannot read ${config.tls.ca}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}` }, { cause: err });
    }
  }
  if (config.tls.pinSha256) trust.pin = normalisePin(config.tls.pinSha256);
  return trust;
}

function pinMismatch(cert: PeerCertificate, pin: string): Error | undefined {
  if (cert.fingerprint256 === pin) return undefined;
  return Object.assign(new Error(`its certificate's SHA-256 fingerprint ${cert.fingerprint256} is not the pinned ${pin}`), { code: 'FEDMARK_PIN_MISMATCH' });
}

/** WebSocket (https.request) options when the coordinator's certificate chains to the configured CA. */
export function caOptions(trust: CoordinatorTrust): { ca: Buffer; checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined } {
  return {
    ca: trust.ca as Buffer,
    checkServerIdentity: (host, cert) => checkServerIdentity(host, cert) ?? (trust.pin ? pinMismatch(cert, trust.pin) : undefined),
  };
}

/**
 * With a pin and no CA the certificate may be self-signed, so chain checks cannot apply: the
 * handshake completes unverified, the fingerprint is compared, and only a matching socket is
 * handed to the WebSocket client, which then sends the token.
 */
export function pinnedSocket(url: URL, pin: string, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 443), servername: isIp(url.hostname) ? '' : url.hostname, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    const timer = setTimeout(() => socket.destroy(new Error(`TLS handshake timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const mismatch = pinMismatch(socket.getPeerCertificate(), pin);
      if (mismatch) {
        socket.destroy();
        reject(mismatch);
      } else {
        resolve(socket);
      }
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** Certificate problems are configuration or attack, not network weather: retrying will not help. */
export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /CERT|SELF_SIGNED|SIGNATURE|ISSUER|PIN_MISMATCH|ERR_TLS_CERT/.test(code);
}
