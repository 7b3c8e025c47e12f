import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { bufferBody, messageBody, type Body } from './body.js';
import type { MessageBodyData, ProductData, SubscriptionData, UserData } from './runtime-data.js';
import type { Clock, HttpClient, Logger } from '../../core/index.js';
import type { GatewayCompatFlags } from '../compat-flags.js';
import type {
  ApiInfo, DeploymentInfo, HeaderMap, HostContext, LastErrorInfo, MutableUrl, OperationInfo,
} from '../expressions/host.js';
import type { Value } from '../expressions/values.js';
import type { TokenCache } from './token-cache.js';
import type { DecisionStep, GatewayDecision } from './decision.js';
import type { GatewayEvent } from './sink.js';
import type { GatewayStores } from './stores.js';
import type { CacheLookupState } from '../policies/cache-response.js';
import type { ClientCertificate } from '../pfx.js';
import type { X509Certificate } from 'node:crypto';
import { buildChain, NO_TRUST, peerCertificates, revocationStatus, type CertificateTrust } from '../client-certificates.js';
import type { ApiSchema, OperationContract, ServiceIdentity } from '../types.js';

export type SectionName = 'inbound' | 'backend' | 'outbound' | 'on-error';

/** The sizes of the request and response bodies the gateway received and sent. */
export interface SentBytes { requestBytes: number; responseBytes: number }

/** What the gateway lends to every request. */
export interface RunServices {
  httpClient: HttpClient;
  tokens: TokenCache;
  logger: Logger;
  clock: Clock;
  backends: ReadonlyMap<string, string>;
  flags: GatewayCompatFlags;
  /** The local sink for log-to-eventhub / emit-metric. */
  onEvent?: (event: GatewayEvent) => void;
  /** Logger ids of the service (log-to-eventhub refuses others). */
  loggers?: ReadonlySet<string>;
  /** Cache, rate-limit and quota counters, concurrency slots (kept between requests). */
  stores: GatewayStores;
  /** The service's client certificates by id and thumbprint (authentication-certificate). */
  certificates?: ReadonlyMap<string, ClientCertificate>;
  /** The service's identities (authentication-managed-identity uses only these); undefined: not checked. */
  identity?: ServiceIdentity;
  /** Waits (retry intervals); default real timers. */
  sleep?: (ms: number) => Promise<void>;
  /** What validate-client-certificate trusts (the service's CA certificates); default nothing. */
  trust?: CertificateTrust;
  /** The client's TLS certificate; default: the one on the request's TLS socket. */
  peerCertificate?: (req: IncomingMessage) => X509Certificate | null;
}

export type { Body } from './body.js';

/** Everything a RequestRun starts from (one options object: issue 6). */
export interface RequestRunInit {
  services: RunServices;
  req: IncomingMessage;
  request: { method: string; url: MutableUrl; originalUrl: MutableUrl; headers: HeaderMap; ipAddress: string; matchedParameters: Map<string, string> };
  api: ApiInfo;
  operation: OperationInfo;
  subscription: SubscriptionData | null;
  product?: ProductData | null;
  user?: UserData | null;
  requestId: string;
  backend: { base: MutableUrl | null; relativePath: string };
  decision: GatewayDecision;
  /** Clock reading when the request arrived (ms). */
  startedAt: number;
  /** The matched operation's response examples (mock-response). */
  examples?: ReadonlyArray<{ status: number; contentType: string; body: string }> | undefined;
  /** The matched operation's contract and its API's schemas (validate-* policies); undefined: no operation. */
  contract?: RunContract | undefined;
  /** `context.Deployment` (the service's region, name, id). */
  deployment?: DeploymentInfo | undefined;
  /** The request is traced (`context.Tracing`). */
  tracing?: boolean;
}

/** What validate-content / -parameters / -headers / -status-code check against. */
export interface RunContract {
  operation: OperationContract;
  /** The API's schemas (`apis/schemas`), which representations name. */
  schemas: readonly ApiSchema[];
  /** The service's schemas (`schemas`), which validate-content `schema-id` names. */
  serviceSchemas?: readonly ApiSchema[];
}

/** A `trace` policy or `context.Trace` message, for the request trace. */
export interface TraceMessage { section: string; source: string; severity: string; message: string; at: number }

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
  /** `context.Request.Certificate`, read from the connection on first use. */
  private peer: X509Certificate | null | undefined;
  private peerChain: X509Certificate[] | undefined;
  /** A backend answer has been received (outbound sees it). */
  forwarded = false;
  section: SectionName = 'inbound';
  /** Backend base URL (api.serviceUrl or set-backend-service) and the operation-relative path. */
  backendBase: MutableUrl | null;
  relativePath: string;
  readonly services: RunServices;
  readonly req: IncomingMessage;
  readonly api: ApiInfo;
  readonly operation: OperationInfo;
  readonly subscription: SubscriptionData | null;
  /** `context.Product` / `context.User` (null outside a product / without an owner). */
  readonly product: ProductData | null;
  readonly user: UserData | null;
  readonly requestId: string;
  readonly decision: GatewayDecision;
  readonly startedAt: number;
  readonly examples: ReadonlyArray<{ status: number; contentType: string; body: string }>;
  readonly contract: RunContract | undefined;
  readonly deployment: DeploymentInfo | undefined;
  readonly tracing: boolean;
  readonly traces: TraceMessage[] = [];
  /** Which step set the final answer (for the explanation of a non-2xx). */
  answeredBy: string | undefined;
  /** Headers a policy adds to whatever response is finally sent (rate-limit remaining calls). */
  readonly pendingResponseHeaders: Array<[string, string]> = [];
  /**
   * Work done once the response has been sent (rate-limit-by-key / quota-by-key `increment-condition`, which reads
   * `context.Response`; quota `bandwidth`, which counts the bytes of both messages).
   */
  readonly completions: Array<(sent: SentBytes) => void> = [];
  /** The HTTP proxy forward-request goes through (the `proxy` policy). */
  proxy: { url: string; username?: string; password?: string } | undefined;
  /** The TLS client certificate forward-request presents (authentication-certificate). */
  clientCertificate: ClientCertificate | undefined;
  /** Count the bytes of the response as it is written (a quota with `bandwidth` asked for it). */
  meterBytes = false;
  /** The decision entry of the step now running (policies add a `detail` through `note`). */
  currentStep: DecisionStep | undefined;
  /**
   * The token counts of an LLM answer (`usage` of a JSON body), read by forward-request when an
   * llm-/azure-openai-emit-token-metric step asked for them (`wantsTokenUsage`).
   */
  wantsTokenUsage = false;
  tokenUsage: { prompt: number; completion: number; total: number } | undefined;
  /** Called by forward-request once the answer's token counts are known (llm-/azure-openai-token-limit). */
  readonly tokenUsageListeners: Array<(usage: { prompt: number; completion: number; total: number } | undefined) => void> = [];
  /** What cache-lookup found (cache-store reads it; a hit resumes outbound after cache-store). */
  cacheLookup: CacheLookupState | undefined;

  constructor(init: RequestRunInit) {
    this.services = init.services;
    this.req = init.req;
    this.request = init.request;
    this.api = init.api;
    this.operation = init.operation;
    this.subscription = init.subscription;
    this.product = init.product ?? null;
    this.user = init.user ?? null;
    this.requestId = init.requestId;
    this.decision = init.decision;
    this.startedAt = init.startedAt;
    this.examples = init.examples ?? [];
    this.contract = init.contract;
    this.deployment = init.deployment;
    this.tracing = init.tracing ?? false;
    this.backendBase = init.backend.base;
    this.relativePath = init.backend.relativePath;
    const req = init.req;
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    this.requestBody = hasBody ? { kind: 'stream', stream: req } : { kind: 'none' };
  }

  get clock(): Clock {
    return this.services.clock;
  }

  /**
   * `X509Certificate2.Verify()` / `VerifyNoRevocation()` on the gateway: within its validity period, a chain to the
   * service's trusted roots (its CA certificates, the twin's local CA), and with `revocation` a revocation status the
   * twin can give (compat flag `clientCertificateRevocation`).
   */
  verifyCertificate(cert: X509Certificate, revocation: boolean): boolean {
    const now = this.services.clock.now();
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) return false;
    const built = buildChain(cert, this.services.trust ?? NO_TRUST, cert === this.peer ? this.requestIntermediates() : []);
    if (!built.trusted) return false;
    return !revocation || revocationStatus(built, this.services.flags.clientCertificateRevocation) === 'good';
  }

  /** The intermediates the client sent with its certificate (chain building uses them besides the service's). */
  requestIntermediates(): X509Certificate[] {
    this.requestCertificate();
    return this.peerChain ?? [];
  }

  /** The certificate the client presented (null without one, or when the service does not negotiate one). */
  requestCertificate(): X509Certificate | null {
    if (this.peer === undefined) {
      if (this.services.peerCertificate) this.peer = this.services.peerCertificate(this.req);
      else ({ leaf: this.peer, intermediates: this.peerChain } = peerCertificates(this.req));
    }
    return this.peer;
  }

  /** Milliseconds since the request arrived. */
  elapsed(): number {
    return this.services.clock.now() - this.startedAt;
  }

  /** Say what the running step did (decision record; never a secret). */
  note(detail: string): void {
    if (this.currentStep) this.currentStep.detail = detail;
  }

  /** Buffer the request and/or response body so that synchronous expressions can read it. */
  async bufferBodies(request: boolean, response: boolean): Promise<void> {
    if (request && this.requestBody.kind === 'stream') this.requestBody = await bufferBody(this.requestBody, 'request');
    if (response && this.responseBody.kind === 'stream') this.responseBody = await bufferBody(this.responseBody, 'response');
  }

  /** `context.Request.Body` (null without a body). */
  requestBodyData(): MessageBodyData | null {
    return messageBody({ get: () => this.requestBody, set: (b) => { this.requestBody = b; } });
  }

  /** `context.Response.Body` (null without a body). */
  responseBodyData(): MessageBodyData | null {
    return messageBody({ get: () => this.responseBody, set: (b) => { this.responseBody = b; } });
  }

  trace(source: string, message: string, severity = 'verbose'): void {
    this.traces.push({ section: this.section, source, severity, message, at: this.elapsed() });
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
