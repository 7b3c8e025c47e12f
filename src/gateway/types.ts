import type { GatewayCompatFlags } from './compat-flags.js';
import type { DebugCredentialsRequest } from './debug-trace.js';
import type { GatewayDecision } from './pipeline/decision.js';
import type { GatewayEvent } from './pipeline/sink.js';
import type { Value } from './expressions/values.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { X509Certificate } from 'node:crypto';
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
  /** `/apis` (all APIs), `/apis/{apiName}`, `/products/{productName}`, `/` (all access), or a full resource id ending so. */
  scope: string;
  primaryKey: string;
  secondaryKey: string;
  /** `active` is the only state that grants access. */
  state: string;
  displayName?: string;
  /** Owner user id (`/users/{name}` or a full id); undefined for a standalone subscription. */
  ownerId?: string;
  allowTracing?: boolean;
  createdDate?: string;
  startDate?: string;
  endDate?: string;
}

export interface ProductConfig {
  name: string;
  displayName?: string;
  /** `published` (default) or `notPublished`: only published products grant access. */
  state?: string;
  /** Default true; an open product (false) lets callers in without a key. */
  subscriptionRequired?: boolean;
  approvalRequired?: boolean;
  subscriptionsLimit?: number;
  /** Names of the APIs in the product (`products/apis`). */
  apis: string[];
  /** Group names (`products/groups`). */
  groups?: string[];
  policy?: PolicyDocument;
}

export interface UserConfig {
  name: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  note?: string;
  registrationDate?: string;
  groups?: string[];
}

/** A request/response parameter or header of an operation (ARM `ParameterContract`). */
export interface ParameterContract {
  name: string;
  /** string (default) | integer | number | boolean | array | object. */
  type?: string;
  required?: boolean;
  /** Allowed values (an enum). */
  values?: string[];
  defaultValue?: string;
  /** A schema of the API (`apis/schemas`) and the definition in it describing the value. */
  schemaId?: string;
  typeName?: string;
}

/** A body representation (ARM `RepresentationContract`): its content type and the schema definition of its body. */
export interface RepresentationContract { contentType: string; schemaId?: string; typeName?: string }

/**
 * What an operation declares about its requests and responses (ARM `apis/operations` properties), the API schema the
 * validation policies check against (docs/behaviour/apim.md §2, validation policies).
 */
export interface OperationContract {
  templateParameters?: ParameterContract[];
  request?: { queryParameters?: ParameterContract[]; headers?: ParameterContract[]; representations?: RepresentationContract[] };
  responses?: Array<{ statusCode: number; headers?: ParameterContract[]; representations?: RepresentationContract[] }>;
}

/**
 * A schema of an API (`apis/schemas`): `document` holds the definitions (`{components: {schemas}}` for OpenAPI 3,
 * `{definitions}` for Swagger 2, or a JSON schema whose `definitions`/`$defs` name the types).
 */
export interface ApiSchema { id: string; contentType?: string; document: unknown }

export interface OperationConfig {
  id: string;
  /** The operation's identifier (its resource name): `context.Operation.Id`. */
  name: string;
  /** The operation's display name (`displayName`): `context.Operation.Name`; default the identifier. */
  displayName?: string;
  method: string;
  urlTemplate: string;
  policy?: PolicyDocument;
  /** Response examples by status code (from OpenAPI or `responses[].representations[].examples`), for mock-response. */
  examples?: Array<{ status: number; contentType: string; body: string }>;
  /** Parameters, headers, representations and responses the operation declares (validate-* policies). */
  contract?: OperationContract;
}

export interface ApiConfig {
  id: string;
  /** The API's identifier (its resource name, `;rev=N` included): `context.Api.Id`. */
  name: string;
  /** The API's display name (`displayName`): `context.Api.Name`; default the identifier. */
  displayName?: string;
  path: string;
  /** The API's `type`: `soap` for a SOAP pass-through API (operations matched by SOAP action too); default http. */
  type?: string;
  serviceUrl?: string;
  protocols?: string[];
  subscriptionRequired?: boolean;
  policy?: PolicyDocument;
  operations: OperationConfig[];
  /** Custom key names (`subscriptionKeyParameterNames`); default `Ocp-Apim-Subscription-Key` / `subscription-key`. */
  subscriptionKeyParameterNames?: { header?: string; query?: string };
  /** Version-set routing: the version value and how it is carried. */
  version?: { value: string; scheme: 'Segment' | 'Header' | 'Query'; name?: string; isDefault?: boolean };
  /** Revision number (`;rev=N` in the API name) and whether it is the current one. */
  revision?: string;
  isCurrent?: boolean;
  /** The API's schemas (`apis/schemas`), which operation contracts name by `schemaId`. */
  schemas?: ApiSchema[];
}

export interface ServiceConfig {
  name: string;
  hostName: string;
  resourceId: string;
  /** The service's Azure location (`context.Deployment.Region`); default 'West US' as the expression engine's. */
  location?: string;
  globalPolicy?: PolicyDocument;
  apis: ApiConfig[];
  backends: Array<{ id: string; name: string; url: string }>;
  /** `secret`: a secret or Key Vault named value, kept out of logs and decision records (src/gateway/secret-redaction.ts). */
  namedValues: Array<{ name: string; value: string; secret?: boolean }>;
  subscriptions?: SubscriptionConfig[];
  products?: ProductConfig[];
  users?: UserConfig[];
  /** Named policy fragments (`policyFragments`), by id. */
  /** `source`: where the fragment's errors point (default its resource id). */
  fragments?: Array<{ id: string; value: string; format?: string; source?: string }>;
  /** Client certificates (`certificates`): a PKCS#12 bundle (base64) and its password, by certificate id. */
  certificates?: Array<{ id: string; data: string; password?: string }>;
  /** Loggers (`loggers`) by id: where log-to-eventhub and emit-metric write. */
  loggers?: Array<{ id: string; type: string }>;
  /**
   * The gateway asks clients for a TLS certificate (`context.Request.Certificate`): a `Proxy` entry of
   * `hostnameConfigurations` with `negotiateClientCertificate: true`, or `enableClientCertificate: true` (consumption).
   */
  negotiateClientCertificate?: boolean;
  /** The service's own schemas (`schemas`: XSD or JSON schema), named by validate-content `schema-id`. */
  schemas?: ApiSchema[];
  /** CA certificates (the service's `certificates` property): base64 DER `encodedCertificate`, store `Root` | `CertificateAuthority`. */
  caCertificates?: Array<{ data: string; storeName: string }>;
  /**
   * The service's managed identities: authentication-managed-identity may use only these (a client-id
   * of an identity not attached to the service fails, as in Azure). Undefined: not checked.
   */
  identity?: ServiceIdentity;
}

/**
 * A service's managed identities. `systemPrincipalId` (the system-assigned identity's object id) keys the
 * token cache, so tokens of a re-created identity are never served for the new one.
 */
export interface ServiceIdentity { systemAssigned: boolean; systemPrincipalId?: string; userAssignedClientIds: string[] }

export interface ManagedIdentityTokenProvider {
  /** Token for the service's system-assigned identity (clientId undefined) or a user-assigned one. */
  getToken(req: { resource: string; clientId?: string }): Promise<{ accessToken: string; expiresOnSeconds: number }>;
}

export interface GatewayOptions {
  /** Receives one decision record per request (for `trustline explain`; see pipeline/decision.ts). */
  onDecision?: (decision: GatewayDecision) => void;
  /** A response header that carries the request id of every answer (the twin's `x-trustline-apim-request-id`). */
  requestIdHeader?: string;
  /** Receives log-to-eventhub / emit-metric / trace events (the local sink). */
  onEvent?: (event: GatewayEvent) => void;
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
  /** After each request: its variables and trace (`trustline policy run` prints them). */
  inspect?: (view: { variables: ReadonlyMap<string, Value>; trace: unknown }) => void;
  /** The scheme the client used; default: TLS socket or not (`trustline policy run` describes it). */
  schemeOf?: (req: IncomingMessage) => 'http' | 'https';
  /** The client's TLS certificate; default: the one presented on the request's TLS socket (`trustline policy run` describes it). */
  peerCertificate?: (req: IncomingMessage) => X509Certificate | null;
}

export interface Gateway {
  handler(req: IncomingMessage, res: ServerResponse): void;
  setService(svc: CompiledServiceHandle | undefined): void;
  /**
   * `POST …/gateways/managed/listDebugCredentials`: `{ token }` for `Apim-Debug-Authorization` (debug-trace.ts); a bad
   * body throws DebugCredentialsError (ARM code + message).
   */
  debugCredentials(body: DebugCredentialsRequest): { token: string };
  /** `POST …/gateways/managed/listTrace` `{traceId}`: the trace of a traced request (kept for the last 100), or undefined. */
  trace(traceId: string): unknown;
}

/** Opaque marker so that `setService` only takes what `compileService` produced. */
export interface CompiledServiceHandle {
  readonly kind: 'compiled-apim-service';
  readonly name: string;
  readonly warnings: readonly string[];
}
