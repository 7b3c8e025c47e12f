import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseHost } from './host-guard.js';
import { queryValue, sendJson } from './http.js';

/** Entra's public-cloud aliases (what `/common/discovery/instance` answers for login.microsoftonline.com). */
const PUBLIC_CLOUD = [
  { preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'] },
  { preferred_network: 'login.partner.microsoftonline.cn', preferred_cache: 'login.partner.microsoftonline.cn', aliases: ['login.partner.microsoftonline.cn', 'login.chinacloudapi.cn'] },
  { preferred_network: 'login.microsoftonline.de', preferred_cache: 'login.microsoftonline.de', aliases: ['login.microsoftonline.de'] },
  { preferred_network: 'login.microsoftonline.us', preferred_cache: 'login.microsoftonline.us', aliases: ['login.microsoftonline.us', 'login.usgovcloudapi.net'] },
  { preferred_network: 'login-us.microsoftonline.com', preferred_cache: 'login-us.microsoftonline.com', aliases: ['login-us.microsoftonline.com'] },
];
const MICROSOFT_HOSTS = new Set(PUBLIC_CLOUD.flatMap((c) => c.aliases));
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=…` — MSAL's instance discovery
 * (MSAL Python, hence the az CLI, asks it first). For a Microsoft login host it answers the public cloud's
 * aliases and the tenant's discovery URL, as Entra does. For the twin's own loopback listener (an authority
 * the user gave as `https://127.0.0.1:<port>`) it answers that listener as its own instance — Entra would
 * refuse an unknown instance (AADSTS50049); the twin vouches for itself only.
 */
export function handleInstanceDiscovery(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
  const endpoint = queryValue(query, 'authorization_endpoint');
  const apiVersion = queryValue(query, 'api-version') ?? '1.1';
  let url: URL | undefined;
  try {
    url = endpoint === undefined ? undefined : new URL(endpoint);
  } catch {
    url = undefined;
  }
  const m = url ? /^\/([^/]+)\/oauth2\/(?:v2\.0\/)?authorize\/?$/i.exec(url.pathname) : null;
  const host = url ? parseHost(url.host) : undefined;
  const known = host !== undefined && (MICROSOFT_HOSTS.has(host.name) || LOOPBACK.has(host.name));
  if (!url || !m || !known) {
    sendJson(req, res, 400, {
      error: 'invalid_instance',
      error_description: 'AADSTS50049: Unknown or invalid instance.',
      error_codes: [50049],
    });
    return;
  }
  const tenant = m[1]!;
  const metadata = MICROSOFT_HOSTS.has(host!.name) ? PUBLIC_CLOUD : [{ preferred_network: url.host, preferred_cache: url.host, aliases: [url.host] }];
  sendJson(req, res, 200, {
    tenant_discovery_endpoint: `${url.origin}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': apiVersion,
    metadata,
  });
}
