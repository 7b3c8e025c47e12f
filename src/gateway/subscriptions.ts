import type { SubscriptionInfo } from './expressions/host.js';
import type { ProductConfig, SubscriptionConfig } from './types.js';

export const MISSING_KEY_MESSAGE = 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.';
export const INVALID_KEY_MESSAGE = 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.';

export const DEFAULT_KEY_HEADER = 'Ocp-Apim-Subscription-Key';
export const DEFAULT_KEY_QUERY = 'subscription-key';

/** The key from the API's key header, else from its query parameter (docs/behaviour/apim.md §3: the header wins). */
export function findKey(
  headers: { get(name: string): { values: string[] } | undefined },
  query: ReadonlyArray<[string, string]>,
  names: { header: string; query: string },
): string | undefined {
  const h = headers.get(names.header.toLowerCase());
  if (h) return h.values[0];
  const q = names.query.toLowerCase();
  return query.find(([k]) => k.toLowerCase() === q)?.[1];
}

/** What a subscription's scope grants: all APIs, one API, one product, or everything (the built-in all-access key). */
export type SubscriptionScope = { kind: 'all' } | { kind: 'api'; name: string } | { kind: 'product'; name: string };

/** Parse `/apis`, `/apis/{name}`, `/products/{name}`, `/` or a full resource id ending in one of them. */
export function parseScope(scope: string): SubscriptionScope | undefined {
  const s = scope.replace(/\/+$/, '');
  if (s === '' || /\/providers\/microsoft\.apimanagement\/service\/[^/]+$/i.test(s)) return { kind: 'all' };
  if (/(^|\/)apis$/i.test(s)) return { kind: 'all' };
  const api = /(?:^|\/)apis\/([^/]+)$/i.exec(s);
  if (api) return { kind: 'api', name: api[1]!.toLowerCase() };
  const product = /(?:^|\/)products\/([^/]+)$/i.exec(s);
  if (product) return { kind: 'product', name: product[1]!.toLowerCase() };
  return undefined;
}

/** A resolved key: the subscription and, for a product-scoped one, the product it runs in. */
export interface KeyMatch { subscription: SubscriptionInfo; product: ProductConfig | null }

function active(s: SubscriptionConfig, nowMs: number): boolean {
  if (s.state.toLowerCase() !== 'active') return false;
  if (s.endDate && Date.parse(s.endDate) <= nowMs) return false;
  if (s.startDate && Date.parse(s.startDate) > nowMs) return false;
  return true;
}

function published(p: ProductConfig): boolean {
  return (p.state ?? 'published').toLowerCase() === 'published';
}

/**
 * The active subscription whose key matches and whose scope covers the API (by name), with its
 * product when it is product-scoped (docs/behaviour/apim.md §3). Suspended, cancelled, expired or unpublished: no match.
 */
export function resolveSubscription(
  subs: readonly SubscriptionConfig[], products: readonly ProductConfig[], key: string, apiName: string, nowMs: number,
): KeyMatch | undefined {
  const api = apiName.toLowerCase();
  for (const s of subs) {
    if (key !== s.primaryKey && key !== s.secondaryKey) continue;
    if (!active(s, nowMs)) continue;
    const scope = parseScope(s.scope);
    if (!scope) continue;
    let product: ProductConfig | null = null;
    if (scope.kind === 'api' && scope.name !== api) continue;
    if (scope.kind === 'product') {
      const p = products.find((x) => x.name.toLowerCase() === scope.name);
      if (!p || !published(p) || !p.apis.some((a) => a.toLowerCase() === api)) continue;
      product = p;
    }
    return {
      subscription: {
        id: s.name, name: s.displayName ?? s.name, key, primaryKey: s.primaryKey, secondaryKey: s.secondaryKey,
        ...subscriptionDates(s), ...(s.ownerId ? { ownerId: s.ownerId } : {}), allowTracing: s.allowTracing ?? false, scope: s.scope,
      } as SubscriptionInfo,
      product,
    };
  }
  return undefined;
}

function subscriptionDates(s: SubscriptionConfig): Record<string, string> {
  const out: Record<string, string> = {};
  if (s.createdDate) out.createdDate = s.createdDate;
  if (s.startDate) out.startDate = s.startDate;
  if (s.endDate) out.endDate = s.endDate;
  return out;
}

/** An open (no subscription required), published product that contains the API: the product context of a keyless call. */
export function openProduct(products: readonly ProductConfig[], apiName: string): ProductConfig | undefined {
  const api = apiName.toLowerCase();
  return products.find((p) => published(p) && p.subscriptionRequired === false && p.apis.some((a) => a.toLowerCase() === api));
}

export function wwwAuthenticate(hostName: string, apiPath: string, headerName = DEFAULT_KEY_HEADER): string {
  return `AzureApiManagementKey realm="https://${hostName}/${apiPath}",name="${headerName}",type="header"`;
}
