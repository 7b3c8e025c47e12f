export { TwinError, isTwinError, describeError, formatLocation } from './errors.js';
export type { SourceLocation, TwinErrorOptions } from './errors.js';
export { systemClock, ManualClock, nowSeconds, isoTime } from './clock.js';
export { jsonTimestamp, xmlDuration, reverseTicksId } from './dotnet-time.js';
export type { Clock } from './clock.js';
export { createLogger, silentLogger, memoryLogger, redactSecrets } from './logger.js';
export type { Logger, LogLevel, LoggerOptions } from './logger.js';
export { randomIds, sequentialIds, uuidV5 } from './ids.js';
export type { IdGenerator } from './ids.js';
export { HostTable, emptyResolver } from './http/host-resolver.js';
export type { HostResolver, LocalTarget, LocalDispatch } from './http/host-resolver.js';
export { createHttpClient, importUndici } from './http/client.js';
export type { HttpClient, HttpClientOptions, HttpRequestOptions, HttpResponse, OutgoingHeaders } from './http/client.js';
export { proxyRequest, forwardableHeaders, hasRequestBody, headerRecord, HOP_BY_HOP, RELAY_RESPONSE } from './http/proxy.js';
export type { ProxyHooks, ProxyTarget, RelayingResponse } from './http/proxy.js';
export { pipeBody } from './http/pipe-body.js';
export { LeadHeaderResponse, setLeadHeader } from './http/lead-header.js';
export {
  createCertificateAuthority,
  issueServerCertificate,
  createSigningCertificate,
  certificateThumbprint,
  certificateDerBase64,
  serverCertificateStillGood,
} from './tls/certificates.js';
export type { PemPair } from './tls/certificates.js';
export { checkSchemaSubset, validateSchema, formatJsonPath } from './json-schema.js';
export { requireOnFirstUse } from './lazy-require.js';
export type { Schema, SchemaViolation } from './json-schema.js';
