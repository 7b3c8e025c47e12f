import type { Clock } from '../../core/index.js';
import type { HostValue, Value } from './values.js';

/** Shapes of the request-time objects that expressions can reach (through member tables only). */
export interface HeaderEntry { name: string; values: string[] }
/** Keyed by lower-case header name. */
export type HeaderMap = Map<string, HeaderEntry>;

export interface MutableUrl { scheme: string; host: string; port: number; path: string; query: Array<[string, string]> }

export interface LastErrorInfo {
  source: string; reason: string; message: string; scope: string; section: string; path: string; policyId: string;
}

export interface ApiInfo { id: string; name: string; path: string; serviceUrl: MutableUrl | null; protocols: string[] }
export interface OperationInfo { id: string; name: string; method: string; urlTemplate: string }
export interface SubscriptionInfo { id: string; name: string; key: string; primaryKey: string; secondaryKey: string }

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
}

/** Host wrappers: created on access, they carry a reference to the underlying data. */
export interface Wrapped<T> extends HostValue { readonly v: T }
export const wrap = <T>(type: string, v: T): Wrapped<T> => ({ $type: type, v });

export function urlToString(u: MutableUrl): string {
  const defPort = u.scheme === 'https' ? 443 : 80;
  const q = u.query.length ? '?' + u.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&') : '';
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
