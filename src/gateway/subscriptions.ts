import type { SubscriptionInfo } from './expressions/host.js';
import type { SubscriptionConfig } from './types.js';

export const MISSING_KEY_MESSAGE = 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.';
export const INVALID_KEY_MESSAGE = 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.';

export interface KeyLookup { key: string | undefined }

/** The key from `Ocp-Apim-Subscription-Key`, else from `?subscription-key=` (spec §3: header wins). */
export function findKey(headerValue: string | string[] | undefined, query: ReadonlyArray<[string, string]>): string | undefined {
  if (headerValue !== undefined) return Array.isArray(headerValue) ? headerValue[0] : headerValue;
  const q = query.find(([k]) => k.toLowerCase() === 'subscription-key');
  return q?.[1];
}

/** Does a subscription scope (`/apis`, `/apis/{name}`, or a full id ending so) cover the API? */
export function scopeCovers(scope: string, apiName: string): boolean {
  const s = scope.replace(/\/+$/, '').toLowerCase();
  if (s.endsWith('/apis') || s === '/apis') return true;
  return s.endsWith(`/apis/${apiName.toLowerCase()}`);
}

/** The active subscription whose key matches and whose scope covers the API. */
export function resolveSubscription(subs: readonly SubscriptionConfig[], key: string, apiName: string): SubscriptionInfo | undefined {
  for (const s of subs) {
    if (s.state.toLowerCase() !== 'active' || !scopeCovers(s.scope, apiName)) continue;
    if (key === s.primaryKey || key === s.secondaryKey) {
      return { id: s.name, name: s.name, key, primaryKey: s.primaryKey, secondaryKey: s.secondaryKey };
    }
  }
  return undefined;
}

export function wwwAuthenticate(hostName: string, apiPath: string): string {
  return `AzureApiManagementKey realm="https://${hostName}/${apiPath}",name="Ocp-Apim-Subscription-Key",type="header"`;
}
