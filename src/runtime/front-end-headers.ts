import { randomUUID, X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

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
const FRONT_END = new Set<string>(FRONT_END_HEADERS);

/** The front end's header names as a set (lower-case), e.g. for Easy Auth's `omitHeaders`. */
export const FRONT_END_NAMES: ReadonlySet<string> = FRONT_END;

/**
 * The headers forwarded to the app: `out` (what Easy Auth forwards as a flat `[name, value, …]` list, lower-case names
 * as node:http gives them, this request's own array) with the front end's own headers for this request appended in
 * place. The front end owns them: `out` must already be without any the client sent under the front end's names
 * (Easy Auth's `omitHeaders: FRONT_END_NAMES` leaves them out, so a request that reaches a function costs no second
 * copy of its header block).
 */
export function addFrontEndHeaders(
  out: string[],
  req: IncomingMessage,
  site: FrontEndSite,
  arrSsl: string | undefined,
  requestId: string = randomUUID(),
): string[] {
  const socket = req.socket as TLSSocket;
  const tls = socket.encrypted === true;
  const ip = unmapped(socket.remoteAddress);
  const port = String(socket.remotePort ?? 0);
  const peer = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  const previous = req.headers['x-forwarded-for'];
  const before = Array.isArray(previous) ? previous.join(', ') : previous;
  const url = req.url ?? '/';
  const proto = tls ? 'https' : 'http';
  out.push(
    'x-arr-log-id', requestId,
    'client-ip', peer,
    'x-client-ip', ip,
    'x-client-port', port,
    'x-forwarded-for', before !== undefined && before !== '' ? `${before}, ${peer}` : peer,
    'x-forwarded-proto', proto,
    'x-appservice-proto', proto,
    'disguised-host', String(req.headers.host ?? site.defaultHostName),
    'was-default-hostname', site.defaultHostName,
    'x-site-deployment-id', site.name,
    'x-original-url', url,
    'x-waws-unencoded-url', url,
  );
  if (tls) {
    const version = socket.getProtocol?.() ?? undefined;
    if (version) out.push('x-forwarded-tlsversion', version.replace(/^TLSv/, ''));
    if (arrSsl) out.push('x-arr-ssl', arrSsl);
  }
  return out;
}
