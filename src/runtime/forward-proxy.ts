import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { proxyRequest, type HostResolver, type HttpClient, type Logger } from '../core/index.js';
import { listen } from './listener.js';

/**
 * The HTTP forward proxy of `trustline up` (ready-file key `proxy`). With `HTTPS_PROXY` pointing at it and the local
 * CA trusted, unmodified tools (curl, the az CLI, `@azure/identity`, a function calling `https://<apim>.azure-api.net`)
 * use Azure's real host names and reach the twin:
 * - `CONNECT host:443` opens a tunnel to the https listener that plays `host` (its certificate comes from the local
 *   CA and names the Azure host); `CONNECT host:80` to its plain-http listener;
 * - an absolute-form request (`GET http://host/path`) is forwarded to the plain-http listener;
 * - the custom domains deployed (a site's host name bindings, an APIM service's Proxy host names) the same way;
 * - every other host is refused with 403 and a sentence saying why: the twin never connects to the internet.
 */
export interface ForwardProxyOptions {
  /** Which Azure host names the twin plays (the twin's host table). */
  hosts: HostResolver;
  /** The twin's own client, for absolute-form requests. */
  client: HttpClient;
  port: number;
  host?: string;
  logger: Logger;
}

export interface ForwardProxy {
  url: string;
  close(): Promise<void>;
}

/** `host:port` of a CONNECT target, IPv6 literals in brackets; undefined when malformed. */
export function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(authority);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, '').toLowerCase(), port };
}

export function refusalMessage(host: string, port: number): string {
  return (
    `Trustline proxy: ${host}:${port} is not an Azure host this twin serves, and the twin never connects to the internet. ` +
    'It serves login.microsoftonline.com, sts.windows.net, login.windows.net, management.azure.com and the ' +
    '*.azurewebsites.net / *.azure-api.net names of the sites and APIM services deployed into it, and their custom domains ' +
    '(site host name bindings, APIM Proxy host names). ' +
    'Put other hosts in NO_PROXY.'
  );
}

export async function startForwardProxy(options: ForwardProxyOptions): Promise<ForwardProxy> {
  const { hosts, logger } = options;
  const log = logger.child('proxy');
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const target = (host: string, port: number): string | undefined => {
    const local = hosts.lookup(host);
    if (!local) return undefined;
    return port === 443 ? local.https : port === 80 ? local.http : undefined;
  };

  const onConnect = (req: IncomingMessage, client: Socket, head: Buffer) => {
    track(client);
    client.on('error', () => client.destroy());
    const authority = parseAuthority(req.url ?? '');
    const origin = authority ? target(authority.host, authority.port) : undefined;
    if (!authority || !origin) {
      const text = authority ? refusalMessage(authority.host, authority.port) : `Trustline proxy: '${String(req.url).slice(0, 200)}' is not host:port.`;
      log.warn(`refused CONNECT ${String(req.url).slice(0, 200)}: not a host the twin serves`);
      const status = authority ? '403 Forbidden' : '400 Bad Request';
      client.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
      return;
    }
    const u = new URL(origin);
    const upstream = connect(Number(u.port), u.hostname);
    track(upstream);
    let open = false;
    upstream.once('connect', () => {
      open = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (e) => {
      log.warn(`CONNECT ${authority.host}:${authority.port}: the local listener ${origin} failed: ${e.message}`);
      if (!open && client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      else client.destroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    let url: URL | undefined;
    try {
      url = /^https?:\/\//i.test(req.url ?? '') ? new URL(req.url!) : undefined;
    } catch {
      url = undefined;
    }
    const port = url ? Number(url.port || (url.protocol === 'https:' ? 443 : 80)) : 0;
    if (!url || url.protocol !== 'http:' || !target(url.hostname, port)) {
      req.resume();
      const text = url
        ? url.protocol === 'http:'
          ? refusalMessage(url.hostname, port)
          : `Trustline proxy: send https requests through CONNECT (${url.host}).`
        : 'Trustline proxy: this is a forward proxy; send absolute-form requests (GET http://host/path) or CONNECT host:443.';
      if (url) log.warn(`refused ${req.method} ${url.origin}: not a host the twin serves`);
      res.writeHead(url ? 403 : 400, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    void proxyRequest(options.client, req, res, { url: url.toString() });
  };

  const server: Server = createServer(onRequest);
  server.on('connect', onConnect);
  server.on('connection', track);
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, host, options.port, 'the forward proxy');
  return {
    url: `http://${host}:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
