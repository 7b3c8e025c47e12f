import type { GatewayCompatFlags } from './compat-flags.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, HttpClient, IdGenerator, Logger } from '../core/index.js';

/** A policy document as stored by ARM (`format` is `xml` or `rawxml`; both are accepted). */
export interface PolicyDocument {
  format?: string;
  value: string;
  /** Resource id or file name, used in error locations. */
  source?: string;
}

export interface SubscriptionConfig {
  name: string;
  /** `/apis` (all APIs), `/apis/{apiName}`, or a full resource id ending in either. */
  scope: string;
  primaryKey: string;
  secondaryKey: string;
  /** `active` is the only state that grants access. */
  state: string;
}

export interface OperationConfig {
  id: string;
  name: string;
  method: string;
  urlTemplate: string;
  policy?: PolicyDocument;
}

export interface ApiConfig {
  id: string;
  name: string;
  path: string;
  serviceUrl?: string;
  protocols?: string[];
  subscriptionRequired?: boolean;
  policy?: PolicyDocument;
  operations: OperationConfig[];
}

export interface ServiceConfig {
  name: string;
  hostName: string;
  resourceId: string;
  globalPolicy?: PolicyDocument;
  apis: ApiConfig[];
  backends: Array<{ id: string; name: string; url: string }>;
  namedValues: Array<{ name: string; value: string }>;
  subscriptions?: SubscriptionConfig[];
}

export interface ManagedIdentityTokenProvider {
  /** Token for the service's system-assigned identity (clientId undefined) or a user-assigned one. */
  getToken(req: { resource: string; clientId?: string }): Promise<{ accessToken: string; expiresOnSeconds: number }>;
}

export interface GatewayOptions {
  httpClient: HttpClient;
  tokens: ManagedIdentityTokenProvider;
  clock: Clock;
  logger: Logger;
  /** Request ids / activity ids; random by default. */
  ids?: IdGenerator;
  /** Refresh cached MI tokens this many seconds before they expire (default 300). */
  tokenRefreshMarginSeconds?: number;
  /** Behaviour Azure does not document (see compat-flags.ts). */
  flags?: Partial<GatewayCompatFlags>;
}

export interface Gateway {
  handler(req: IncomingMessage, res: ServerResponse): void;
  setService(svc: CompiledServiceHandle | undefined): void;
}

/** Opaque marker so that `setService` only takes what `compileService` produced. */
export interface CompiledServiceHandle {
  readonly kind: 'compiled-apim-service';
  readonly name: string;
  readonly warnings: readonly string[];
}
