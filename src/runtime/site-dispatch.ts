import { Duplex, Readable } from 'node:stream';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { RELAY_RESPONSE, type HttpRequestOptions, type HttpResponse, type LocalDispatch, type OutgoingHeaders } from '../core/index.js';
import type { RequestHandler } from './listener.js';

/**
 * In-process dispatch of a request from the gateway to a site that lives in the same twin (issue 8, the
 * moonshot): the site's handler (Easy Auth → function) runs on objects that play the socket pair, so the
 * gateway's client does not serialize the request, the site's listener does not parse it, and neither does the
 * answer cross a socket. What reaches the site — and so the function — is what node:http would have parsed from
 * the bytes undici sends: the same header names (lower-cased), the same joining of repeated headers, the `Host`,
 * the framing header (`content-length` or `transfer-encoding: chunked`), the same 431 above the listener's header
 * limit and the same refusal of invalid header characters. `trustline up --site-dispatch sockets` (or
 * `startTwin({ siteDispatch: 'sockets' })`) forces real sockets; the tests run both ways.
 */
let dispatched = 0;
/** How many requests were served in-process so far (diagnostics and tests). */
export function inProcessDispatchCount(): number {
  return dispatched;
}

export function createSiteDispatch(handler: () => RequestHandler | undefined, o: { encrypted: boolean; maxHeaderBytes: number; localPort: number }): LocalDispatch {
  // The peer every request of this dispatcher sees (read-only for the handlers): one object, not one per request.
  const socket: LocalSocket = {
    encrypted: o.encrypted,
    remoteAddress: '127.0.0.1',
    remotePort: 0,
    localAddress: '127.0.0.1',
    localPort: o.localPort,
    // What the gateway's TLS client negotiates with a site listener (node's default maximum): the front end's
    // X-Forwarded-TLSVersion reads it.
    getProtocol: () => (o.encrypted ? 'TLSv1.3' : null),
    destroy: () => undefined,
  };
  return (url, opts) => dispatch(handler, url, opts, o, socket);
}

interface LocalSocket {
  encrypted: boolean;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  getProtocol(): string | null;
  destroy(): void;
}

// RFC 9110 token / field-value checks as undici applies them to what it sends (same errors, same codes).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/**
 * Long values found valid lately (a token the gateway sends on every request is one string object: found by
 * identity, not scanned again per request).
 */
const checked: string[] = ['', '', '', ''];
let checkedAt = 0;
function validValue(s: string): boolean {
  if (s.length < 128) return !BAD_VALUE.test(s);
  if (s === checked[0] || s === checked[1] || s === checked[2] || s === checked[3]) return true;
  if (BAD_VALUE.test(s)) return false;
  checked[checkedAt] = s;
  checkedAt = (checkedAt + 1) & 3;
  return true;
}

class InvalidArgumentError extends Error {
  readonly code = 'UND_ERR_INVALID_ARG';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}
class SocketError extends Error {
  readonly code = 'UND_ERR_SOCKET';
  constructor(message: string) {
    super(message);
    this.name = 'SocketError';
  }
}

/** node:http keeps the first value of these when a request repeats them (lib/_http_incoming.js matchKnownFields). */
const FIRST_WINS = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after',
  'server', 'user-agent',
]);

function addIncoming(out: IncomingHttpHeaders, name: string, value: string): void {
  const prev = out[name];
  if (prev === undefined) {
    out[name] = name === 'set-cookie' ? [value] : value;
    return;
  }
  if (FIRST_WINS.has(name)) return;
  if (name === 'set-cookie') (prev as string[]).push(value);
  else out[name] = `${prev as string}${name === 'cookie' ? '; ' : ', '}${value}`;
}

/**
 * An IncomingMessage stand-in: the parsed head and a readable body. The body is there in full from the start (a
 * string or Buffer, or none), or relayed from the caller's stream with back-pressure; `complete` says that all of it
 * arrived, as node's parser says it.
 */
class LocalRequest extends Readable {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  httpVersion = '1.1';
  httpVersionMajor = 1;
  httpVersionMinor = 1;
  complete = false;
  aborted = false;
  socket: LocalSocket;
  /** The caller's body stream while it is being relayed. */
  source: Readable | undefined;
  constructor(method: string, url: string, headers: IncomingHttpHeaders, rawHeaders: string[], socket: LocalSocket) {
    super();
    this.method = method;
    this.url = url;
    this.headers = headers;
    this.rawHeaders = rawHeaders;
    this.socket = socket;
  }
  get connection() {
    return this.socket;
  }
  /** The whole body at once (none: `null`). */
  whole(body: string | Buffer | null): void {
    if (body !== null && body.length > 0) this.push(typeof body === 'string' ? Buffer.from(body) : body);
    this.push(null);
    this.complete = true;
  }
  /** Relay `source` (a caller's request body) with back-pressure. */
  relay(source: Readable): void {
    this.source = source;
    source.on('data', (c: Buffer | string) => {
      if (!this.push(typeof c === 'string' ? Buffer.from(c) : c)) source.pause();
    });
    source.once('end', () => {
      this.complete = true;
      this.push(null);
    });
    source.once('error', (e) => this.destroy(e));
  }
  override _read(): void {
    this.source?.resume();
  }
}

let dateCache = '';
let dateAt = 0;
function httpDate(): string {
  const now = Date.now();
  if (now - dateAt >= 1000) {
    dateAt = now - (now % 1000);
    dateCache = new Date(dateAt).toUTCString();
  }
  return dateCache;
}

/** A header value as the caller's client parses it back (a repeated header as an array, set-cookie always one). */
function parsedValue(k: string, v: string | string[] | number): string | string[] {
  if (!Array.isArray(v)) return String(v);
  if (k === 'set-cookie') return v.map(String);
  return v.length === 1 ? String(v[0]) : v.map(String);
}

/**
 * A ServerResponse stand-in whose readable side is the body the gateway's client gets back (with undici's
 * helpers): what the site writes is read from the same object, with no stream in between.
 */
class LocalResponse extends Duplex {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  sendDate = true;
  readonly #headers = new Map<string, string | string[] | number>();
  readonly #names = new Map<string, string>();
  readonly head: Promise<HttpResponse>;
  #resolve!: (r: HttpResponse) => void;
  #reject!: (e: Error) => void;
  /** A write waiting for the reader (back-pressure). */
  #pending: (() => void) | undefined;
  readonly req: LocalRequest;

  constructor(req: LocalRequest) {
    super();
    this.req = req;
    this.head = new Promise<HttpResponse>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    const k = name.toLowerCase();
    this.#headers.set(k, Array.isArray(value) ? [...(value as string[])] : (value as string | number));
    this.#names.set(k, name);
    return this;
  }
  getHeader(name: string) {
    return this.#headers.get(name.toLowerCase());
  }
  getHeaders(): OutgoingHttpHeaders {
    return Object.fromEntries(this.#headers) as OutgoingHttpHeaders;
  }
  getHeaderNames(): string[] {
    return [...this.#headers.keys()];
  }
  hasHeader(name: string): boolean {
    return this.#headers.has(name.toLowerCase());
  }
  removeHeader(name: string): void {
    this.#headers.delete(name.toLowerCase());
  }
  flushHeaders(): void {
    this.#sendHead();
  }
  writeHead(status: number, reasonOrHeaders?: string | OutgoingHttpHeaders | string[], maybeHeaders?: OutgoingHttpHeaders | string[]): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    this.statusCode = status;
    const headers = typeof reasonOrHeaders === 'string' ? maybeHeaders : reasonOrHeaders;
    if (typeof reasonOrHeaders === 'string') this.statusMessage = reasonOrHeaders;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.#append(String(headers[i]), String(headers[i + 1]));
    } else if (headers) {
      for (const k in headers) {
        const v = headers[k];
        if (v !== undefined) this.setHeader(k, v as string | number | string[]);
      }
    }
    this.#sendHead();
    return this;
  }
  #append(name: string, value: string): void {
    const k = name.toLowerCase();
    const prev = this.#headers.get(k);
    if (prev === undefined) this.setHeader(name, value);
    else this.#headers.set(k, Array.isArray(prev) ? [...prev, value] : [String(prev), value]);
  }
  #sendHead(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.#resolve({ statusCode: this.statusCode, headers: this.#head(), body: this as unknown as HttpResponse['body'] });
  }
  /**
   * The answer's headers as the caller's client parses them from what node:http would have sent; `more`: headers
   * given with the head (as `setHeader` would have added them, read straight into the result: no copy in between).
   */
  #head(more?: OutgoingHeaders): IncomingHttpHeaders {
    const headers: IncomingHttpHeaders = {};
    for (const [k, v] of this.#headers) headers[k] = parsedValue(k, v);
    for (const k in more) {
      const v = more[k];
      if (v === undefined) continue;
      const key = k.toLowerCase();
      headers[key] = parsedValue(key, Array.isArray(v) ? [...(v as string[])] : v);
    }
    if (this.sendDate && headers.date === undefined) headers.date = httpDate();
    return headers;
  }
  /**
   * proxyRequest's answer (core/http/proxy.ts): the same head `writeHead(status, headers)` gives, and the function's
   * body itself as the body the gateway reads — no stream of this object in between.
   */
  [RELAY_RESPONSE](statusCode: number, headers: OutgoingHeaders, body: Readable): void {
    if (this.headersSent) throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    this.statusCode = statusCode;
    this.headersSent = true;
    const req = this.req;
    // A request body still being relayed when the answer ends is read and dropped (node:http dumps an unread body);
    // an answer broken off breaks it off too (as destroying this response would).
    if (req.source && !req.complete) body.once('close', () => (body.readableEnded ? req.resume() : req.destroy()));
    this.#resolve({ statusCode, headers: this.#head(headers), body: body as HttpResponse['body'] });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.#sendHead();
    if (this.push(chunk)) cb();
    else this.#pending = () => cb();
  }
  override _read(): void {
    const go = this.#pending;
    this.#pending = undefined;
    go?.();
  }
  override _final(cb: (e?: Error | null) => void): void {
    this.#sendHead();
    this.push(null);
    // A body the site never reads is dropped after the answer, as node:http dumps an unread request body.
    if (!this.req.readableEnded) this.req.resume();
    cb();
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    // A handler that destroys the response plays a connection closed by the site: the caller sees what undici
    // reports then (before the head: the request fails; after: the body errors). After a normal end (autoDestroy,
    // once the body was read to its end) nothing is reported, and no Error is built.
    if (!this.req.readableEnded) this.req.destroy();
    if (!this.headersSent) {
      this.#reject(err ?? new SocketError('other side closed'));
      return cb();
    }
    cb(err ?? (this.readableEnded ? null : new SocketError('other side closed')));
  }
  // The body helpers undici's response body has (what the gateway's policies call).
  async text(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of this) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = Buffer.from(await this.text(), 'utf8');
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
  async dump(): Promise<void> {
    this.resume();
    await new Promise<void>((r) => (this.readableEnded ? r() : (this.once('end', () => r()), this.once('close', () => r()))));
  }
  // node:http's res.end(chunk) / res.write accept strings; Writable handles both.
}

async function dispatch(
  handlerOf: () => RequestHandler | undefined,
  url: URL,
  opts: HttpRequestOptions,
  o: { encrypted: boolean; maxHeaderBytes: number; localPort: number },
  socket: LocalSocket,
): Promise<HttpResponse> {
  const handler = handlerOf();
  if (!handler) throw new SocketError('the site is not running');
  dispatched++;
  const method = opts.method ?? 'GET';
  const headers: IncomingHttpHeaders = {};
  const raw: string[] = [];
  let size = method.length + url.pathname.length + url.search.length + 12;
  const body = opts.body ?? null;
  let hasHost = false;
  let hasLength = false;
  const add = (k: string, s: string) => {
    if (!TOKEN.test(k)) throw new InvalidArgumentError('invalid header key');
    const name = k.toLowerCase();
    if (name === 'host') hasHost = true;
    else if (name === 'content-length' || name === 'transfer-encoding') hasLength = true;
    if (!validValue(s)) throw new InvalidArgumentError(`invalid ${k} header`);
    raw.push(k, s);
    size += k.length + s.length + 4;
    addIncoming(headers, name, s);
  };
  const given = opts.headers;
  if (Array.isArray(given)) {
    // A flat list (forward-request's): its pairs in order, as undici sends them.
    if (given.length % 2 !== 0) throw new InvalidArgumentError('headers array must be even');
    for (let i = 0; i < given.length; i += 2) add(given[i]!, String(given[i + 1]));
  } else if (given) {
    for (const k in given) {
      const v = given[k];
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const one of v) add(k, String(one));
      else add(k, String(v));
    }
  }
  if (!hasHost) {
    raw.push('host', url.host);
    addIncoming(headers, 'host', url.host);
  }
  // The framing header undici would send: a length for a string/Buffer, chunked for a stream.
  if (!hasLength && body !== null) {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const n = String(Buffer.byteLength(body));
      if (n !== '0' || (method !== 'GET' && method !== 'HEAD')) {
        raw.push('content-length', n);
        addIncoming(headers, 'content-length', n);
      }
    } else {
      raw.push('transfer-encoding', 'chunked');
      addIncoming(headers, 'transfer-encoding', 'chunked');
    }
  } else if (!hasLength && body === null && (method === 'POST' || method === 'PUT' || method === 'PATCH')) {
    raw.push('content-length', '0');
    addIncoming(headers, 'content-length', '0');
  }
  const req = new LocalRequest(method, url.pathname + url.search, headers, raw, socket);
  const res = new LocalResponse(req);
  if (size > o.maxHeaderBytes) {
    // The site listener refuses it before any handler runs (docs/limits.md).
    res.writeHead(431, { connection: 'close', 'content-length': '0' });
    res.end();
    if (body instanceof Readable) body.resume();
    return res.head;
  }
  if (body === null || typeof body === 'string' || Buffer.isBuffer(body)) req.whole(body);
  else req.relay(body);
  const timeoutMs = opts.headersTimeoutMs ?? 300_000;
  const timer = setTimeout(() => res.destroy(Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), timeoutMs);
  timer.unref();
  try {
    try {
      handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    } catch {
      // As the listener does for a handler that throws (listener.ts).
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Internal Server Error');
      } else res.destroy();
    }
    return await res.head;
  } finally {
    clearTimeout(timer);
  }
}
