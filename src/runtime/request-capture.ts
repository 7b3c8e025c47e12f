import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** How much of a request body the twin keeps for a replay (docs/limits.md); the rest is counted, not kept. */
export const MAX_CAPTURED_BODY = 64 * 1024;

/**
 * A request as it reached one of the twin's listeners from outside (the console's composer replays it): plain data,
 * since a site's crosses from the site worker. It holds what the caller sent, secrets included: it never leaves the
 * twin as it is — `replayable()` takes the secrets out before the console shows anything of it.
 */
export interface RawRequest {
  scheme: 'http' | 'https';
  method: string;
  /** Path and query as sent. */
  url: string;
  /** node's `rawHeaders` (name, value, name, value, …). */
  rawHeaders: string[];
  /** The first `MAX_CAPTURED_BODY` bytes of the body, in the chunks they came in. */
  body: Uint8Array[];
  /** Every byte of the body that arrived. */
  bodyBytes: number;
}

const hasBody = (req: IncomingMessage): boolean => {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
};

/**
 * Starts keeping a request that arrived at a listener: its line and headers now (node's own arrays, not copied), its
 * body as it is read. The body is kept as the HTTP parser hands it to the request (the request's own `push`), so the
 * handler reads it exactly as before — no second reader, no change of flowing mode; a request without a body costs
 * one small object.
 */
export function captureRequest(req: IncomingMessage): RawRequest {
  const raw: RawRequest = {
    scheme: (req.socket as TLSSocket | undefined)?.encrypted === true ? 'https' : 'http',
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    rawHeaders: req.rawHeaders,
    body: [],
    bodyBytes: 0,
  };
  if (hasBody(req)) {
    const push = req.push;
    let kept = 0;
    req.push = function capturingPush(this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
      if (chunk instanceof Uint8Array) {
        raw.bodyBytes += chunk.length;
        if (kept < MAX_CAPTURED_BODY) {
          const part = chunk.subarray(0, MAX_CAPTURED_BODY - kept);
          raw.body.push(Uint8Array.prototype.slice.call(part));
          kept += part.length;
        }
      }
      return push.call(this, chunk, encoding);
    };
  }
  return raw;
}

/** The requests kept for a replay, by request id (the gateway's, or a site's `X-ARR-LOG-ID`); the oldest go first. */
export interface RequestLog {
  add(requestId: string, request: RawRequest): void;
  get(requestId: string): RawRequest | undefined;
  readonly size: number;
}

/**
 * A ring of the last `capacity` requests: adding is two array stores (it runs on every request from outside); a look-up
 * scans the ring newest first (it runs when the console asks). A Map keyed by request id cost 5 µs per request here,
 * deleting its oldest entry on every add.
 */
export function createRequestLog(capacity: number): RequestLog {
  const ids = new Array<string | undefined>(capacity);
  const kept = new Array<RawRequest | undefined>(capacity);
  let next = 0;
  let size = 0;
  return {
    add(id, request) {
      ids[next] = id;
      kept[next] = request;
      next = next + 1 === capacity ? 0 : next + 1;
      if (size < capacity) size++;
    },
    get(id) {
      for (let i = 1; i <= size; i++) {
        const at = (next - i + capacity) % capacity;
        if (ids[at] === id) return kept[at];
      }
      return undefined;
    },
    get size() {
      return size;
    },
  };
}

/** What a replay sends: the request as it was, minus what carries a secret (`left` names each part left out). */
export interface ReplayableRequest {
  scheme: 'http' | 'https';
  method: string;
  /** Path and query. */
  path: string;
  headers: Array<[string, string]>;
  body: string;
  /** The body's size as sent, and whether the replay's is shorter (only `MAX_CAPTURED_BODY` kept, or not text). */
  bodyBytes: number;
  bodyIncomplete: boolean;
  /** Parts left out or changed because they carry a secret or cannot be sent again as they were: 'header Authorization', 'query code', … */
  left: string[];
}

/** Headers that the connection, not the caller, decides (the replay's own client sets them). */
const CONNECTION_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'expect', 'proxy-connection']);

/**
 * Headers that carry credentials: a bearer token, a session cookie, a function or subscription key, the managed
 * identity endpoint's secret, the tokens Easy Auth forwards (docs/security.md: the console shows no secret).
 */
const SECRET_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'x-functions-key', 'ocp-apim-subscription-key', 'x-zumo-auth',
  'x-identity-header', 'secret', 'x-ms-client-principal', 'x-ms-client-principal-id', 'x-ms-client-principal-name',
]);
const isSecretHeader = (name: string): boolean => SECRET_HEADERS.has(name) || name.startsWith('x-ms-token-');

/** Query parameters that carry keys: a function key (`code`), an APIM subscription key, a SAS signature, a token. */
const SECRET_QUERY = new Set(['code', 'subscription-key', 'sig', 'access_token', 'id_token', 'client_secret']);

/**
 * The request to send again: method, scheme, path and query, headers and body as they came, without the headers and
 * query parameters that carry credentials, nor any value in which `hide` finds a secret (a JWT, a key the state
 * holds). The composer can attach a fresh token of the twin instead.
 */
export function replayable(raw: RawRequest, hide: (text: string) => string): ReplayableRequest {
  const left: string[] = [];
  const headers: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.rawHeaders.length; i += 2) {
    const name = raw.rawHeaders[i]!;
    const value = raw.rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    if (CONNECTION_HEADERS.has(lower)) continue;
    if (isSecretHeader(lower) || hide(value) !== value) left.push(`header ${name}`);
    else headers.push([name, value]);
  }
  const q = raw.url.indexOf('?');
  let path = raw.url;
  if (q >= 0) {
    const kept: string[] = [];
    for (const part of raw.url.slice(q + 1).split('&')) {
      const name = decodeName(part.split('=')[0]!);
      if (SECRET_QUERY.has(name.toLowerCase()) || hide(part) !== part) left.push(`query ${name}`);
      else kept.push(part);
    }
    path = raw.url.slice(0, q) + (kept.length > 0 ? `?${kept.join('&')}` : '');
  }
  const bytes = Buffer.concat(raw.body);
  let body = bytes.toString('utf8');
  let bodyIncomplete = bytes.length < raw.bodyBytes;
  if (!Buffer.from(body, 'utf8').equals(bytes)) {
    bodyIncomplete = true;
    left.push('the body (not UTF-8 text)');
    body = '';
  } else if (hide(body) !== body) {
    left.push('the secrets in the body (hidden)');
    body = hide(body);
  }
  return { scheme: raw.scheme, method: raw.method, path, headers, body, bodyBytes: raw.bodyBytes, bodyIncomplete, left };
}

function decodeName(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
