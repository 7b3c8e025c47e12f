import { authenticationManagedIdentity } from './authentication-managed-identity.js';
import { basePolicy } from './base.js';
import { authenticationBasic } from './authentication-basic.js';
import { ipFilter } from './ip-filter.js';
import { findAndReplace } from './find-and-replace.js';
import { setMethod } from './set-method.js';
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
  ['authentication-basic', authenticationBasic],
  ['ip-filter', ipFilter],
  ['find-and-replace', findAndReplace],
  ['set-method', setMethod],
  ['cache-lookup-value', cacheLookupValue],
  ['cache-store-value', cacheStoreValue],
  ['cache-remove-value', cacheRemoveValue],
  ['rate-limit', rateLimit],
  ['rate-limit-by-key', rateLimitByKey],
  ['quota', quota],
  ['quota-by-key', quotaByKey],
]);

/** Known APIM policies the twin does not execute yet, with their sections (a clearer error than "unknown"). */
export const KNOWN_UNSUPPORTED: ReadonlyMap<string, readonly SectionName[]> = new Map(
  ([
    ['validate-jwt', ['inbound']], ['validate-azure-ad-token', ['inbound']], ['send-request', ['inbound', 'backend', 'outbound', 'on-error']],
    ['send-one-way-request', ['inbound', 'backend', 'outbound', 'on-error']],
    ['cache-lookup', ['inbound']], ['cache-store', ['outbound']], ['cors', ['inbound']], ['jsonp', ['outbound']],
    ['retry', ['inbound', 'backend', 'outbound', 'on-error']], ['wait', ['inbound', 'backend', 'outbound']], ['json-to-xml', ['inbound', 'outbound', 'on-error']],
    ['xml-to-json', ['inbound', 'outbound', 'on-error']], ['log-to-eventhub', ['inbound', 'backend', 'outbound', 'on-error']], ['authentication-certificate', ['inbound']],
    ['limit-concurrency', ['inbound', 'backend', 'outbound', 'on-error']], ['emit-metric', ['inbound', 'backend', 'outbound', 'on-error']],
    ['validate-content', ['inbound', 'outbound', 'on-error']], ['validate-parameters', ['inbound']], ['validate-headers', ['outbound', 'on-error']],
    ['validate-status-code', ['outbound', 'on-error']], ['redirect-content-urls', ['inbound', 'outbound']], ['get-authorization-context', ['inbound']],
  ] as Array<[string, SectionName[]]>),
);
