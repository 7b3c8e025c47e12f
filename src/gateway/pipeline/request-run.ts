import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { Clock, HttpClient, Logger } from '../../core/index.js';
import type { GatewayCompatFlags } from '../compat-flags.js';
import type {
  ApiInfo, HeaderMap, HostContext, LastErrorInfo, MutableUrl, OperationInfo, SubscriptionInfo,
} from '../expressions/host.js';
import type { Value } from '../expressions/values.js';
import type { TokenCache } from './token-cache.js';

export type SectionName = 'inbound' | 'backend' | 'outbound' | 'on-error';

/** What the gateway lends to every request. */
export interface RunServices {
  httpClient: HttpClient;
  tokens: TokenCache;
  logger: Logger;
  clock: Clock;
  backends: ReadonlyMap<string, string>;
  flags: GatewayCompatFlags;
}

export type Body =
  | { kind: 'none' }
  | { kind: 'text'; text: string }
  | { kind: 'stream'; stream: Readable | IncomingMessage };

/** The per-request state: the `context` of expressions plus what the pipeline needs. */
export class RequestRun implements HostContext {
  readonly $type = 'Context' as const;
  readonly variables = new Map<string, Value>();
  readonly request: HostContext['request'];
  readonly response: { statusCode: number; statusReason: string; headers: HeaderMap } = { statusCode: 200, statusReason: 'OK', headers: new Map() };
  lastError: LastErrorInfo | null = null;
  requestBody: Body;
  responseBody: Body = { kind: 'none' };
  /** return-response / mock-response ended the pipeline. */
  terminated = false;
  /** A backend answer has been received (outbound sees it). */
  forwarded = false;
  section: SectionName = 'inbound';
  /** Backend base URL (api.serviceUrl or set-backend-service) and the operation-relative path. */
  backendBase: MutableUrl | null;
  relativePath: string;
  readonly trail: string[] = [];

  constructor(
    readonly services: RunServices,
    readonly req: IncomingMessage,
    init: { method: string; url: MutableUrl; originalUrl: MutableUrl; headers: HeaderMap; ipAddress: string; matchedParameters: Map<string, string> },
    readonly api: ApiInfo,
    readonly operation: OperationInfo,
    readonly subscription: SubscriptionInfo | null,
    readonly requestId: string,
    backend: { base: MutableUrl | null; relativePath: string },
  ) {
    this.request = init;
    this.backendBase = backend.base;
    this.relativePath = backend.relativePath;
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    this.requestBody = hasBody ? { kind: 'stream', stream: req } : { kind: 'none' };
  }

  get clock(): Clock {
    return this.services.clock;
  }

  trace(source: string, message: string): void {
    this.services.logger.info(`trace ${source}: ${message}`, { requestId: this.requestId });
  }
}

/** Recompute `context.Request.Url` from the backend base, the relative path and the current query. */
export function rebuildUrl(rc: RequestRun): void {
  const base = rc.backendBase;
  if (!base) return;
  const basePath = base.path.endsWith('/') ? base.path.slice(0, -1) : base.path;
  const rel = rc.relativePath === '' || rc.relativePath.startsWith('/') ? rc.relativePath : '/' + rc.relativePath;
  rc.request.url = { scheme: base.scheme, host: base.host, port: base.port, path: (basePath + rel) || '/', query: rc.request.url.query };
}

/**
 * The client's request body as a stream the HTTP client may destroy: when the backend answers before
 * reading it all, the client library aborts its upload, and destroying the IncomingMessage itself
 * would close the client's keep-alive connection mid-body. The gateway drains what is left instead.
 */
export function detachedBody(req: IncomingMessage): Readable {
  const out = new PassThrough();
  req.pipe(out);
  out.once('close', () => req.unpipe(out));
  return out;
}
