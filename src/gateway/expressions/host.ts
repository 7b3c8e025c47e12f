import type { X509Certificate } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import type { HostValue, Value } from './values.js';
import { queryString } from '../pipeline/query-string.js';

/**
 * The host-object model of policy expressions (docs/behaviour/apim.md §4.3): the shapes of the request-time data the gateway lends to
 * `context`. Expressions reach them only through the member tables of members-context.ts. Optional members read as
 * APIM's defaults when the runtime does not supply them.
 */
export interface HeaderEntry { name: string; values: string[] }
/** Keyed by lower-case header name. */
export type HeaderMap = Map<string, HeaderEntry>;

export interface MutableUrl { scheme: string; host: string; port: number; path: string; query: Array<[string, string]> }

export interface LastErrorInfo {
  source: string; reason: string; message: string; scope: string; section: string; path: string; policyId: string;
}

export interface ApiInfo {
  id: string; name: string; path: string; serviceUrl: MutableUrl | null; protocols: string[];
  version?: string; revision?: string; isCurrentRevision?: boolean;
  subscriptionKeyParameterNames?: { header: string; query: string };
}
export interface OperationInfo { id: string; name: string; method: string; urlTemplate: string }
export interface SubscriptionInfo {
  id: string; name: string; key: string; primaryKey: string; secondaryKey: string;
  /** ISO dates, when known. */
  createdDate?: string; startDate?: string; endDate?: string;
}

/** `context.Product`. */
export interface ProductInfo {
  id: string; name: string; state: string; subscriptionRequired: boolean; approvalRequired: boolean; subscriptionsLimit: number | null;
  groups: string[];
  /** The product's APIs as `context.Api` describes them (`context.Product.Apis`). */
  apiInfos?: readonly ApiInfo[];
}

/** `context.User`. */
export interface UserInfo {
  id: string; email: string; firstName: string; lastName: string; note: string; registrationDate: string;
  groups: Array<{ id: string; name: string }>; identities: Array<{ provider: string; id: string }>;
}

/** `context.Deployment`. */
export interface DeploymentInfo {
  region: string;
  serviceName: string;
  serviceId: string;
  gatewayId: string;
  /**
   * `context.Deployment.Certificates`: the service's certificates (PKCS#12 bundles and their passwords), keyed by
   * thumbprint in the dictionary; opened once per array, with their private keys.
   */
  certificates?: ReadonlyArray<{ thumbprint: string; pfx: Buffer; passphrase?: string }>;
}

/**
 * A buffered message body (IMessageBody): `read(false)` consumes it (a second read throws InvalidOperationException),
 * `read(true)` keeps it.
 */
export interface MessageBodyInfo {
  read(preserveContent: boolean): string;
  readonly consumed: boolean;
}

/**
 * A response as expressions see it (`context.Response`, or an IResponse stored by `send-request` in a variable:
 * create it with `responseValue()`).
 */
export interface ResponseInfo {
  readonly statusCode: number;
  readonly statusReason: string;
  readonly headers: HeaderMap;
  body(): MessageBodyInfo | null;
}

/** The per-request context (`context` in expressions). */
export interface HostContext extends HostValue {
  readonly $type: 'Context';
  readonly variables: Map<string, Value>;
  readonly request: {
    method: string; url: MutableUrl; readonly originalUrl: MutableUrl; readonly headers: HeaderMap; readonly ipAddress: string;
    readonly matchedParameters: Map<string, string>;
  };
  readonly response: { statusCode: number; statusReason: string; readonly headers: HeaderMap };
  readonly api: ApiInfo;
  readonly operation: OperationInfo;
  readonly subscription: SubscriptionInfo | null;
  lastError: LastErrorInfo | null;
  readonly requestId: string;
  readonly clock: Clock;
  trace(source: string, message: string): void;
  readonly product?: ProductInfo | null;
  readonly user?: UserInfo | null;
  readonly deployment?: DeploymentInfo;
  /** Epoch ms when the gateway received the request (`context.Timestamp`, `context.Elapsed`). */
  readonly startedAt?: number;
  /** `context.Tracing`. */
  readonly tracing?: boolean;
  requestBodyData?(): MessageBodyInfo | null;
  /**
   * `X509Certificate2.Verify()` (`revocation` true) / `VerifyNoRevocation()` against the gateway's trust store; absent:
   * a self-contained check (validity period, and for Verify a self-signed certificate).
   */
  verifyCertificate?(cert: X509Certificate, revocation: boolean): boolean;
  /** `context.Request.Certificate`: the client's TLS certificate, or null. */
  requestCertificate?(): X509Certificate | null;
  responseBodyData?(): MessageBodyInfo | null;
}

/** An IResponse value for `context.Variables` (send-request's `response-variable-name`). */
export interface ResponseValue extends HostValue { readonly $type: 'Response'; readonly data: ResponseInfo }
export function responseValue(data: ResponseInfo): ResponseValue {
  return { $type: 'Response', data };
}

/** A text body for tests and stubs. */
export function textBody(text: string): MessageBodyInfo {
  let consumed = false;
  return {
    get consumed() { return consumed; },
    read(preserve: boolean) {
      if (consumed) throw new Error('consumed');
      if (!preserve) consumed = true;
      return text;
    },
  };
}

/** Host wrappers: created on access, they carry a reference to the underlying data. */
export interface Wrapped<T> extends HostValue { readonly v: T }
export const wrap = <T>(type: string, v: T): Wrapped<T> => ({ $type: type, v });

export function urlToString(u: MutableUrl): string {
  const defPort = u.scheme === 'https' ? 443 : 80;
  const q = u.query.length ? '?' + queryString(u.query) : '';
  return `${u.scheme}://${u.host}${u.port === defPort ? '' : ':' + u.port}${u.path}${q}`;
}

export function parseUrl(s: string): MutableUrl {
  const u = new URL(s);
  const scheme = u.protocol.slice(0, -1);
  const query: Array<[string, string]> = [];
  for (const [k, v] of u.searchParams) query.push([k, v]);
  return { scheme, host: u.hostname, port: u.port ? Number(u.port) : scheme === 'https' ? 443 : 80, path: u.pathname, query };
}

export function copyUrl(u: MutableUrl): MutableUrl {
  return { ...u, query: u.query.map(([k, v]) => [k, v] as [string, string]) };
}
