import { randomUUID, X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { OutgoingHeaders } from '../core/index.js';

/**
 * The request headers App Service's front end adds before a request reaches the app (docs/behaviour/app-service.md
 * §2 lists each with its evidence). The front end owns them: a value the client sent is replaced, except
 * `X-Forwarded-For`, to which the front end appends the address it saw.
 */
export const FRONT_END_HEADERS = [
  'x-arr-log-id',
  'client-ip',
  'x-client-ip',
  'x-client-port',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-appservice-proto',
  'x-forwarded-tlsversion',
  'x-arr-ssl',
  'disguised-host',
  'was-default-hostname',
  'x-site-deployment-id',
  'x-original-url',
  'x-waws-unencoded-url',
] as const;

export interface FrontEndSite {
  /** The site's name (`X-SITE-DEPLOYMENT-ID`). */
  name: string;
  /** `<name>.azurewebsites.net` (`WAS-DEFAULT-HOSTNAME`). */
  defaultHostName: string;
  /** The server certificate of the site's https listener (PEM), for `X-ARR-SSL`. */
  certificate?: string;
}

/** `CN=…, O=…` in the order App Service prints distinguished names (most specific first). */
function distinguishedName(lines: string): string {
  return lines
    .split('\n')
    .filter(Boolean)
    .reverse()
    .join(', ');
}

/** `2048|256|<issuer>|<subject>` of the certificate the client's TLS connection ended on. */
export function arrSslValue(certificatePem: string): string {
  const cert = new X509Certificate(certificatePem);
  const bits = cert.publicKey.asymmetricKeyDetails?.modulusLength ?? 2048;
  return `${bits}|256|${distinguishedName(cert.issuer)}|${distinguishedName(cert.subject)}`;
}

const unmapped = (ip: string | undefined) => (ip ?? '').replace(/^::ffff:/, '');

/** The front-end headers of one request; `requestId` is its `X-ARR-LOG-ID` (a fresh GUID by default). */
export function frontEndHeaders(req: IncomingMessage, site: FrontEndSite, arrSsl: string | undefined, requestId: string = randomUUID()): Record<string, string> {
  const socket = req.socket as TLSSocket;
  const tls = socket.encrypted === true;
  const ip = unmapped(socket.remoteAddress);
  const port = String(socket.remotePort ?? 0);
  const peer = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  const previous = req.headers['x-forwarded-for'];
  const forwardedFor = [Array.isArray(previous) ? previous.join(', ') : previous, peer].filter((v) => v !== undefined && v !== '').join(', ');
  const url = req.url ?? '/';
  const out: Record<string, string> = {
    'x-arr-log-id': requestId,
    'client-ip': peer,
    'x-client-ip': ip,
    'x-client-port': port,
    'x-forwarded-for': forwardedFor,
    'x-forwarded-proto': tls ? 'https' : 'http',
    'x-appservice-proto': tls ? 'https' : 'http',
    'disguised-host': String(req.headers.host ?? site.defaultHostName),
    'was-default-hostname': site.defaultHostName,
    'x-site-deployment-id': site.name,
    'x-original-url': url,
    'x-waws-unencoded-url': url,
  };
  if (tls) {
    const version = socket.getProtocol?.() ?? undefined;
    if (version) out['x-forwarded-tlsversion'] = version.replace(/^TLSv/, '');
    if (arrSsl) out['x-arr-ssl'] = arrSsl;
  }
  return out;
}

/** Forwarded headers with the front end's own replacing whatever the client sent under those names. */
export function withFrontEndHeaders(headers: OutgoingHeaders, frontEnd: Record<string, string>): OutgoingHeaders {
  const out: OutgoingHeaders = {};
  for (const k in headers) if (!(FRONT_END_HEADERS as readonly string[]).includes(k.toLowerCase())) out[k] = headers[k];
  return { ...out, ...frontEnd };
}
