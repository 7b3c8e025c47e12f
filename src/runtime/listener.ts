import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { LeadHeaderResponse, type Logger } from '../core/index.js';
import { portError } from './ports.js';
import type { SniCallback } from './custom-host-tls.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ListenerPair {
  httpUrl: string;
  httpsUrl: string;
  /** Replace the handler (e.g. after a redeploy) without closing sockets. */
  setHandler(handler: RequestHandler): void;
  /**
   * Ask clients for a TLS certificate on new https connections (accepting any, or none: the gateway's policies judge
   * it, as APIM's negotiateClientCertificate does); connections already open keep what they negotiated.
   */
  requestClientCertificates(on: boolean): void;
  close(): Promise<void>;
}

export interface ListenOptions {
  host?: string;
  httpPort?: number;
  httpsPort?: number;
  tls: { cert: string; key: string };
  logger: Logger;
  name: string;
  /** Largest request header block accepted (bytes); larger ones get 431. Default `MAX_REQUEST_HEADER_BYTES`. */
  maxHeaderBytes?: number;
  /** Answers are `LeadHeaderResponse`s (core): the handler may start each with a header by `setLeadHeader`. */
  leadHeader?: boolean;
  /** The flags that move these listeners, for the error of a taken port (default: `trustline up`'s). */
  portHint?: string;
  /** Certificates for custom domains asked for by SNI (custom-host-tls.ts); other names get `tls`. */
  sni?: SniCallback;
}

/**
 * Request header limit of every twin listener: 32 KB, the default `MaxRequestHeadersTotalSize` of Kestrel,
 * the server of the Functions host and of App Service's Linux authentication middleware (both ASP.NET
 * Core), which answers **431** above it. Node's own default (16 KB) refused a 5.3 KB bearer token once
 * Easy Auth had added it twice more (`X-MS-CLIENT-PRINCIPAL`, `X-MS-TOKEN-AAD-ACCESS-TOKEN`). docs/limits.md.
 */
export const MAX_REQUEST_HEADER_BYTES = 32 * 1024;

/** Answers for requests node:http refuses before a handler runs (docs/limits.md, HTTP listeners). */
const CLIENT_ERROR_ANSWERS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * https servers whose key and certificate are not loaded yet. Each https listener parses the key and certificate
 * into a TLS context of its own (node's https server takes no shared context): ≈ 1–4 ms each, seven or more per
 * `trustline up`. So a listener listens with an empty context and loads its own when `armDeferredTls()` is called
 * (`trustline up`, right after the ready file is written) or, at the latest, when its first connection arrives:
 * the `connection` listener below runs before tls.Server's own, which reads the context for the new socket.
 */
const deferredTls = new Set<() => void>();

/** Loads the key and certificate of every https listener still waiting for them (see `deferredTls`). */
export function armDeferredTls(): void {
  for (const arm of [...deferredTls]) arm();
}

function deferTls(https: HttpsServer, tls: { cert: string; key: string }): () => void {
  let armed = false;
  const arm = () => {
    if (armed) return;
    armed = true;
    deferredTls.delete(arm);
    https.off('connection', arm);
    https.setSecureContext({ cert: tls.cert, key: tls.key });
  };
  deferredTls.add(arm);
  https.prependListener('connection', arm);
  return () => {
    armed = true;
    deferredTls.delete(arm);
  };
}

/** Listens on `host:port` (0 = a random free port); a taken port is `ERR_RUNTIME_PORT_IN_USE` naming the listener. */
export async function listen(server: Server, host: string, port: number, what: string, portHint?: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error & { code?: string }) => {
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') reject(portError(e.code, host, port, what, portHint));
      else reject(e);
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
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
  const maxHeaderSize = options.maxHeaderBytes ?? MAX_REQUEST_HEADER_BYTES;
  const responses = options.leadHeader ? { ServerResponse: LeadHeaderResponse as typeof ServerResponse } : {};
  const http = createServer({ keepAliveTimeout: 65_000, maxHeaderSize, ...responses }, dispatch);
  const https = createHttpsServer({ keepAliveTimeout: 65_000, maxHeaderSize, ...responses, ...(options.sni ? { SNICallback: options.sni } : {}) }, dispatch);
  const forgetTls = deferTls(https, options.tls);
  for (const s of [http, https] as Server[]) {
    s.on('clientError', (err: Error & { code?: string }, socket) => {
      const code = err.code ?? '';
      const answer = CLIENT_ERROR_ANSWERS[code] ?? '400 Bad Request';
      // Said once per refusal, with its cause (never the request bytes: they may carry a token).
      if (code !== 'ECONNRESET') {
        const why = code === 'HPE_HEADER_OVERFLOW' ? `request headers larger than ${maxHeaderSize} bytes` : `${code || 'malformed request'}: ${err.message}`;
        options.logger.warn(`${options.name}: refused a request (${answer.slice(0, 3)}): ${why}`);
      }
      if (socket.writable) socket.end(`HTTP/1.1 ${answer}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else socket.destroy();
    });
  }
  const closeServer = (s: Server) =>
    new Promise<void>((resolve) => {
      if (!s.listening) return resolve();
      s.close(() => resolve());
      s.closeAllConnections();
    });
  let httpPort: number;
  let httpsPort: number;
  try {
    httpPort = await listen(http, host, options.httpPort ?? 0, `${options.name} (http)`, options.portHint);
    httpsPort = await listen(https as unknown as Server, host, options.httpsPort ?? 0, `${options.name} (https)`, options.portHint);
  } catch (e) {
    forgetTls();
    await Promise.all([closeServer(http), closeServer(https as unknown as Server)]);
    throw e;
  }
  return {
    httpUrl: `http://${host}:${httpPort}`,
    httpsUrl: `https://${host}:${httpsPort}`,
    setHandler(h) {
      current = h;
    },
    requestClientCertificates(on) {
      // tls.Server reads `requestCert` / `rejectUnauthorized` for each connection it accepts (setSecureContext does
      // not take them); test/gateway/client-certificate-tls.test.ts proves a toggle reaches new connections.
      const tlsServer = https as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
      tlsServer.requestCert = on;
      tlsServer.rejectUnauthorized = false;
    },
    async close() {
      forgetTls();
      await Promise.all([closeServer(http), closeServer(https as unknown as Server)]);
    },
  };
}
