import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/index.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ListenerPair {
  httpUrl: string;
  httpsUrl: string;
  /** Replace the handler (e.g. after a redeploy) without closing sockets. */
  setHandler(handler: RequestHandler): void;
  close(): Promise<void>;
}

export interface ListenOptions {
  host?: string;
  httpPort?: number;
  httpsPort?: number;
  tls: { cert: string; key: string };
  logger: Logger;
  name: string;
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * A plain-http and an https listener sharing one swappable handler. A handler that throws
 * answers 500 instead of taking the listener down.
 */
export async function startListenerPair(handler: RequestHandler, options: ListenOptions): Promise<ListenerPair> {
  const host = options.host ?? '127.0.0.1';
  let current = handler;
  const dispatch: RequestHandler = (req, res) => {
    try {
      current(req, res);
    } catch (e) {
      options.logger.error(`${options.name}: handler failed`, { error: (e as Error).message });
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Internal Server Error');
      } else res.destroy();
    }
  };
  const http = createServer({ keepAliveTimeout: 65_000 }, dispatch);
  const https = createHttpsServer({ cert: options.tls.cert, key: options.tls.key, keepAliveTimeout: 65_000 }, dispatch);
  for (const s of [http, https] as Server[]) {
    s.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
  }
  const httpPort = await listen(http, host, options.httpPort ?? 0);
  const httpsPort = await listen(https as unknown as Server, host, options.httpsPort ?? 0);
  const closeServer = (s: Server) =>
    new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  return {
    httpUrl: `http://${host}:${httpPort}`,
    httpsUrl: `https://${host}:${httpsPort}`,
    setHandler(h) {
      current = h;
    },
    async close() {
      await Promise.all([closeServer(http), closeServer(https as unknown as Server)]);
    },
  };
}
