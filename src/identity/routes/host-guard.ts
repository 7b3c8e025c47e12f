import type { IncomingMessage } from 'node:http';

/** The Entra host names the identity listener plays inside the twin (the runtime routes them here). */
export const AZURE_LOGIN_HOSTS: readonly string[] = ['login.microsoftonline.com', 'sts.windows.net', 'login.windows.net'];
/** IMDS's link-local address (the host a VM's clients call). */
export const IMDS_HOST = '169.254.169.254';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `name` (lower case, IPv6 in brackets) and `port` (undefined when the Host has none) of a Host header. */
export function parseHost(host: string | undefined): { name: string; port: number | undefined } | undefined {
  if (host === undefined || host === '') return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host.trim());
  if (!m) return undefined;
  return { name: m[1]!.toLowerCase(), port: m[2] === undefined ? undefined : Number(m[2]) };
}

/**
 * DNS-rebinding guard (issue 8): the identity listener answers only requests addressed to itself — a
 * loopback name with this listener's own port, or one of the Azure host names it plays (default port).
 * A page on `evil.example` that rebinds its name to 127.0.0.1 still sends `Host: evil.example:<port>`
 * and is refused before any route runs.
 */
export function hostIsOurs(req: IncomingMessage): boolean {
  const h = parseHost(req.headers.host);
  if (!h) return false;
  if (LOOPBACK.has(h.name)) return h.port !== undefined && h.port === req.socket.localPort;
  const azure = AZURE_LOGIN_HOSTS.includes(h.name) || h.name === IMDS_HOST;
  return azure && (h.port === undefined || h.port === 443 || h.port === 80);
}

/**
 * The origin a document fetched by this request should point at: Azure's login host when the request
 * came in under an Azure name (inside the twin), else this listener's own origin as the client called it.
 */
export function publicOrigin(req: IncomingMessage): { origin: string; azure: boolean } {
  const h = parseHost(req.headers.host);
  if (!h || AZURE_LOGIN_HOSTS.includes(h.name) || h.name === IMDS_HOST) return { origin: 'https://login.microsoftonline.com', azure: true };
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  return { origin: `${secure ? 'https' : 'http'}://${h.name}${h.port === undefined ? '' : `:${h.port}`}`, azure: false };
}
