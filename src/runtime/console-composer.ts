import { setTimeout as sleep } from 'node:timers/promises';
import { createHttpClient, describeError, type HostResolver, type HttpClient } from '../core/index.js';
import type { Store } from '../state/index.js';
import { textRedactor } from '../gateway/index.js';
import type { IdentityService } from '../identity/index.js';
import { APIM_REQUEST_ID_HEADER, SITE_REQUEST_ID_HEADER, type DecisionLog, type DecisionRecord } from './decision-log.js';
import type { ReadyInfo } from './ready-info.js';
import { replayable, type ReplayableRequest, type RequestLog } from './request-capture.js';

/** A request the web console's composer sends (src/console/composer-view.ts reads it from the form). */
export interface ComposedRequest {
  /** `apim:<service>` or `site:<site>` (a name of the ready file's `apim` / `sites`). */
  target: string;
  /** The listener to call: https (default) or plain http, each as a client reaches it under the Azure host name. */
  scheme?: 'http' | 'https';
  method: string;
  /** Path and query, from `/`. */
  path: string;
  headers: Array<[string, string]>;
  body: string;
  /**
   * Attach `Authorization: Bearer` with a token the twin mints: `app:<appId>` (a directory application, client
   * credentials) or `mi:<clientId>` (a managed identity), for `resource` (an App ID URI, client id or `…/.default`).
   */
  tokenFor?: string;
  resource?: string;
}

/** What the console shows of a composed request: secrets replaced (tokens truncated, keys `***`). */
export interface ComposedResult {
  method: string;
  url: string;
  /** The headers sent besides Host (secrets hidden as in the answer: the minted token truncated). */
  sent: Array<[string, string]>;
  /** The minted token, truncated, with who it is for. */
  token?: { for: string; resource: string; preview: string; expiresOn: string };
  status?: number;
  headers: Array<[string, string]>;
  body: string;
  bodyBytes: number;
  /** The body was longer than the console shows (`MAX_SHOWN_BODY`). */
  truncated: boolean;
  /** The request's decision records (the gateway's and its site hops, or the site's), as `trustline explain` shows them. */
  decisions: DecisionRecord[];
  /** Why nothing was sent, or why the call failed (a refused token, a refused connection). */
  error?: string;
}

/** How much of a response body the console shows (docs/limits.md). */
export const MAX_SHOWN_BODY = 64 * 1024;
/** How long the composer waits for an answer's headers and body (docs/limits.md). */
export const COMPOSER_TIMEOUT_MS = 60_000;

/** A past request the composer can send again: the target it reached and the request without its secrets. */
export interface ReplayView {
  requestId: string;
  /** `apim:<service>` or `site:<site>`, as the composer's form names them. */
  target: string;
  /** The URL it was called with (secret query parameters left out). */
  url: string;
  request: ReplayableRequest;
}

export interface ComposerDeps {
  store: Store;
  /** The requests from outside kept for a replay (request-capture.ts), by the request id of their decision record. */
  requests?: RequestLog;
  ready: () => ReadyInfo;
  identity: IdentityService;
  decisions: DecisionLog;
  /** The twin's host table: Azure host names → its listeners. */
  hosts: HostResolver;
  /** The local CA (PEM), which the listeners' certificates chain to. */
  ca: string;
  /** Twin secrets never shown (the MI endpoint's header, the console's key). */
  secrets: () => string[];
}

export interface Composer {
  send(request: ComposedRequest): Promise<ComposedResult>;
  /** A request of the decision records to send again (undefined when it is no longer kept, or was a hop of the twin's own). */
  replay(requestId: string): ReplayView | undefined;
  /** Whether the request of that id is still kept (cheap: no secret is looked for). */
  canReplay(requestId: string): boolean;
  close(): Promise<void>;
}

/**
 * The web console's request composer: sends a request as a client on this machine would, to the Azure host name of
 * the chosen APIM service or site, over real sockets to the twin's listeners (the host table, TLS from the local CA,
 * `inProcess: false`: never a shortcut into a handler), then reads the decision records of that request by the
 * request id the answer carries. Nothing of the answer that is a twin secret is shown: every JWT is truncated and
 * every key the state holds (function keys, subscription keys, secret named values) is `***`.
 */
export function createComposer(deps: ComposerDeps): Composer {
  let client: HttpClient | undefined;
  const http = () => (client ??= createHttpClient({ resolver: deps.hosts, ca: deps.ca, inProcess: false, connections: 4 }));

  const send = async (r: ComposedRequest): Promise<ComposedResult> => {
    const ready = deps.ready();
    const [kind, name] = splitOnce(r.target, ':');
    const host = kind === 'apim' ? ready.apim[name]?.hostName : kind === 'site' ? ready.sites[name]?.hostName : undefined;
    const method = r.method.trim().toUpperCase() || 'GET';
    const path = r.path.startsWith('/') ? r.path : `/${r.path}`;
    const scheme = r.scheme === 'http' ? 'http' : 'https';
    const empty = { method, url: host ? `${scheme}://${host}${path}` : path, sent: [], headers: [], body: '', bodyBytes: 0, truncated: false, decisions: [] };
    if (!host) return { ...empty, error: `Pick an APIM service or a site of this twin (got '${r.target}').` };
    if (!/^[A-Z]{1,20}$/.test(method)) return { ...empty, error: `'${method}' is not an HTTP method.` };
    const headers: Array<[string, string]> = r.headers.filter(([k]) => k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length');
    let token: ComposedResult['token'];
    let minted: string | undefined;
    if (r.tokenFor) {
      try {
        const t = await mint(deps.identity, r.tokenFor, r.resource ?? '');
        minted = t.token;
        token = { for: r.tokenFor, resource: r.resource ?? '', preview: truncateToken(t.token), expiresOn: new Date(Number(t.expiresOn) * 1000).toISOString() };
      } catch (e) {
        return { ...empty, error: `No token for ${r.tokenFor} (resource '${r.resource ?? ''}'): ${describeError(e)}` };
      }
      for (let i = headers.length - 1; i >= 0; i--) if (headers[i]![0].toLowerCase() === 'authorization') headers.splice(i, 1);
      headers.push(['authorization', `Bearer ${minted}`]);
    }
    const shown = hider(deps);
    const sent = headers.map(([k, v]): [string, string] => [k, shown(v)]);
    try {
      const res = await http().request(empty.url, {
        method,
        headers: headers.flat(),
        body: r.body === '' && (method === 'GET' || method === 'HEAD') ? null : r.body,
        headersTimeoutMs: COMPOSER_TIMEOUT_MS,
        bodyTimeoutMs: COMPOSER_TIMEOUT_MS,
      });
      const { text, bytes, truncated } = await readShown(res.body);
      const id = header(res.headers, APIM_REQUEST_ID_HEADER) ?? header(res.headers, SITE_REQUEST_ID_HEADER);
      return {
        method,
        url: empty.url,
        sent,
        ...(token ? { token } : {}),
        status: res.statusCode,
        headers: Object.entries(res.headers).flatMap(([k, v]) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x): [string, string] => [k, hideHeader(k, shown(x))])),
        body: shown(text),
        bodyBytes: bytes,
        truncated,
        decisions: id ? await recordsOf(deps.decisions, id) : [],
      };
    } catch (e) {
      return { ...empty, sent, ...(token ? { token } : {}), error: `The call failed: ${shown(describeError(e))}` };
    }
  };

  const replay = (requestId: string): ReplayView | undefined => {
    const raw = deps.requests?.get(requestId);
    const record = raw ? deps.decisions.get(requestId) : undefined;
    if (!raw || !record) return undefined;
    const request = replayable(raw, hider(deps));
    const target = record.kind === 'apim' ? `apim:${record.service}` : `site:${record.site}`;
    const ready = deps.ready();
    const host = record.kind === 'apim' ? ready.apim[record.service]?.hostName : ready.sites[record.site]?.hostName;
    return { requestId, target, url: `${request.scheme}://${host ?? '?'}${request.path}`, request };
  };

  return {
    send,
    replay,
    canReplay: (requestId) => deps.requests?.get(requestId) !== undefined,
    async close() {
      await client?.close();
    },
  };
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

async function mint(identity: IdentityService, tokenFor: string, resource: string): Promise<{ token: string; expiresOn: string }> {
  if (resource.trim() === '') throw new Error('name the resource (audience) the token is for');
  const [kind, id] = splitOnce(tokenFor, ':');
  if (kind === 'mi') {
    const t = await identity.issueManagedIdentityToken({ resource: resource.trim(), clientId: id });
    return { token: t.access_token, expiresOn: t.expires_on };
  }
  if (kind === 'app') {
    const t = await identity.issueApplicationToken({ clientId: id, resource: resource.trim() });
    return { token: t.access_token, expiresOn: t.expires_on };
  }
  throw new Error(`'${tokenFor}' names neither a directory application nor a managed identity`);
}

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** A token as the console shows it: its first 12 characters and its length. */
export function truncateToken(token: string): string {
  return `${token.slice(0, 12)}… (${token.length} characters)`;
}

/** JWS compact serialisations (a JWT's header starts `eyJ`). */
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** Replaces the twin's secrets in a text the console shows: every JWT truncated, every key the state holds (8 characters or more) `***`. */
function hider(deps: ComposerDeps): (text: string) => string {
  const redact = textRedactor([...stateSecrets(deps.store), ...deps.secrets()], 8);
  return (text) => {
    const out = text.replace(JWT, (t) => truncateToken(t));
    return redact ? redact(out) : out;
  };
}

/** Session cookies are credentials: their values are never shown. */
function hideHeader(name: string, value: string): string {
  return name.toLowerCase() === 'set-cookie' ? value.replace(/^([^=]*)=[^;]*/, '$1=***') : value;
}

/** What the state holds that opens something: the results of list* actions (keys, secrets) and secret named values. */
function stateSecrets(store: Store): string[] {
  const out: string[] = [];
  const strings = (v: unknown): void => {
    // A URL is where a key is used, not the key (a function's `trigger_url` is `…/api/{fn}?code={key}`, its `key` beside
    // it): hiding the whole URL hid every answer that names it, e.g. a site's `Location` to its own https URL.
    if (typeof v === 'string') {
      if (!/^https?:\/\//i.test(v)) out.push(v);
    }
    else if (Array.isArray(v)) v.forEach(strings);
    else if (v && typeof v === 'object') Object.values(v).forEach(strings);
  };
  for (const r of store.listResources()) {
    for (const [action, value] of Object.entries(r.listResults ?? {})) if (/(^|\/)list/i.test(action)) strings(value);
    if (r.type === 'Microsoft.ApiManagement/service/namedValues' && r.properties['secret'] === true) strings(r.properties['value']);
  }
  return out;
}

async function readShown(body: AsyncIterable<Buffer>): Promise<{ text: string; bytes: number; truncated: boolean }> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (keptBytes < MAX_SHOWN_BODY) {
      const part = chunk.subarray(0, MAX_SHOWN_BODY - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
  }
  return { text: Buffer.concat(kept).toString('utf8'), bytes, truncated: bytes > keptBytes };
}

/** The request's records: a site worker's record may arrive just after the answer (a message between threads). */
async function recordsOf(log: DecisionLog, id: string): Promise<DecisionRecord[]> {
  for (let i = 0; i < 50; i++) {
    const found = log.related(id);
    if (found) return found;
    await sleep(20);
  }
  return [];
}
