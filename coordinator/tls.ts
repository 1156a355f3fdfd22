// The coordinator's TLS: certificate and key read once at start-up, an HTTPS server for the API
// and the party links (WSS shares it through the upgrade event).
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { FedmarkError } from '../errors/table.ts';
import type { CoordinatorConfig } from './config.ts';

function readPem(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new FedmarkError('FM_ERR_CFG_INVALID', { source: 'coordinator config', field, reason: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}` }, { cause: err });
  }
}

/** A fastify `serverFactory`: HTTPS when the config has `tls`, plain HTTP otherwise. */
export function serverFactory(config: CoordinatorConfig): (handler: RequestListener) => Server {
  if (!config.tls) return (handler) => createHttpServer(handler);
  const cert = readPem(config.tls.cert, 'tls.cert');
  const key = readPem(config.tls.key, 'tls.key');
  // Checked here, at start-up and before anything is created, not when fastify builds the server.
  try {
    createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
  } catch (err) {
    throw new FedmarkError('FM_ERR_CFG_INVALID', { source: 'coordinator config', field: 'tls', reason: `the certificate and key do not load together: ${(err as Error).message}` }, { cause: err });
  }
  // An https.Server emits the same request and upgrade events; fastify and the link only use those.
  return (handler) => createHttpsServer({ cert, key, minVersion: 'TLSv1.2' }, handler) as unknown as Server;
}
