import { authenticationManagedIdentity } from './authentication-managed-identity.js';
import { basePolicy } from './base.js';
import { retry } from './retry.js';
import { wait } from './wait.js';
import { limitConcurrency } from './limit-concurrency.js';
import { emitMetric, logToEventhub } from './event-sink.js';
import { azureOpenAiEmitTokenMetric, llmEmitTokenMetric } from './token-metric.js';
import { azureOpenAiTokenLimit, llmTokenLimit } from './token-limit.js';
import { cors } from './cors.js';
import { sendOneWayRequest, sendRequest } from './send-request.js';
import { validateJwt } from './validate-jwt.js';
import { authenticationBasic } from './authentication-basic.js';
import { ipFilter } from './ip-filter.js';
import { findAndReplace } from './find-and-replace.js';
import { setMethod } from './set-method.js';
import { cacheLookup, cacheStore } from './cache-response.js';
import { validateAzureAdToken } from './validate-azure-ad-token.js';
import { jsonToXmlPolicy, xmlToJsonPolicy } from './json-xml.js';
import { authenticationCertificate } from './authentication-certificate.js';
import { validateClientCertificate } from './validate-client-certificate.js';
import { cacheLookupValue, cacheStoreValue, cacheRemoveValue } from './cache-value.js';
import { rateLimit, rateLimitByKey } from './rate-limit.js';
import { quota, quotaByKey } from './quota.js';
import { checkHeader } from './check-header.js';
import { choose } from './choose.js';
import { forwardRequest } from './forward-request.js';
import { mockResponse } from './mock-response.js';
import { returnResponse } from './return-response.js';
import { rewriteUri } from './rewrite-uri.js';
import { setBackendService } from './set-backend-service.js';
import { setBody } from './set-body.js';
import { setHeader } from './set-header.js';
import { setQueryParameter } from './set-query-parameter.js';
import { setStatus } from './set-status.js';
import { setVariable } from './set-variable.js';
import { trace } from './trace.js';
import { jsonp } from './jsonp.js';
import { proxy } from './proxy.js';
import { redirectContentUrls } from './redirect-content-urls.js';
import { validateContent } from './validate-content.js';
import { validateHeaders } from './validate-headers.js';
import { validateParameters } from './validate-parameters.js';
import { validateStatusCode } from './validate-status-code.js';
import type { PolicyDefinition } from './types.js';
import type { SectionName } from '../pipeline/request-run.js';

/** Every policy element the twin executes. */
export const POLICIES: ReadonlyMap<string, PolicyDefinition> = new Map([
  ['base', basePolicy],
  ['authentication-managed-identity', authenticationManagedIdentity],
  ['check-header', checkHeader],
  ['choose', choose],
  ['forward-request', forwardRequest],
  ['mock-response', mockResponse],
  ['return-response', returnResponse],
  ['rewrite-uri', rewriteUri],
  ['set-backend-service', setBackendService],
  ['set-body', setBody],
  ['set-header', setHeader],
  ['set-query-parameter', setQueryParameter],
  ['set-status', setStatus],
  ['set-variable', setVariable],
  ['trace', trace],
  ['retry', retry],
  ['wait', wait],
  ['limit-concurrency', limitConcurrency],
  ['emit-metric', emitMetric],
  ['log-to-eventhub', logToEventhub],
  ['llm-emit-token-metric', llmEmitTokenMetric],
  ['azure-openai-emit-token-metric', azureOpenAiEmitTokenMetric],
  ['llm-token-limit', llmTokenLimit],
  ['azure-openai-token-limit', azureOpenAiTokenLimit],
  ['cors', cors],
  ['send-request', sendRequest],
  ['send-one-way-request', sendOneWayRequest],
  ['validate-jwt', validateJwt],
  ['authentication-basic', authenticationBasic],
  ['ip-filter', ipFilter],
  ['find-and-replace', findAndReplace],
  ['set-method', setMethod],
  ['validate-azure-ad-token', validateAzureAdToken],
  ['authentication-certificate', authenticationCertificate],
  ['json-to-xml', jsonToXmlPolicy],
  ['xml-to-json', xmlToJsonPolicy],
  ['cache-lookup', cacheLookup],
  ['cache-store', cacheStore],
  ['cache-lookup-value', cacheLookupValue],
  ['cache-store-value', cacheStoreValue],
  ['cache-remove-value', cacheRemoveValue],
  ['rate-limit', rateLimit],
  ['rate-limit-by-key', rateLimitByKey],
  ['quota', quota],
  ['quota-by-key', quotaByKey],
  ['jsonp', jsonp],
  ['proxy', proxy],
  ['redirect-content-urls', redirectContentUrls],
  ['validate-content', validateContent],
  ['validate-parameters', validateParameters],
  ['validate-headers', validateHeaders],
  ['validate-status-code', validateStatusCode],
  ['validate-client-certificate', validateClientCertificate],
]);

/** Known APIM policies the twin does not execute yet, with their sections (a clearer error than "unknown"). */
export const KNOWN_UNSUPPORTED: ReadonlyMap<string, readonly SectionName[]> = new Map(
  ([ ['get-authorization-context', ['inbound']], ['xsl-transform', ['inbound', 'outbound']],
    ['validate-odata-request', ['inbound']], ['validate-graphql-request', ['inbound']], ['set-graphql-resolver', ['backend']],
    ['invoke-dapr-binding', ['inbound', 'outbound', 'on-error']], ['publish-to-dapr', ['inbound', 'outbound', 'on-error']],
    ['cross-domain', ['inbound']],
    ['llm-content-safety', ['inbound']], ['llm-semantic-cache-lookup', ['inbound']], ['llm-semantic-cache-store', ['outbound']],
    ['azure-openai-semantic-cache-lookup', ['inbound']], ['azure-openai-semantic-cache-store', ['outbound']],
  ] as Array<[string, SectionName[]]>),
);

/**
 * Policies the twin refuses even in loose mode, because accepting them would deploy a document that then fails at
 * request time: the reason names what is missing.
 */
export const NEVER_SUPPORTED: ReadonlyMap<string, string> = new Map([
  ['get-authorization-context', 'the twin has no credential manager (authorization providers and connections cannot be created or consented offline), so <get-authorization-context> could never return a token'],
]);
