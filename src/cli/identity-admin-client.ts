import type { ReadyInfo } from '../runtime/index.js';

/**
 * A call to the identity listener's twin-only administration routes (`/_trustline/…`: directory, keys), with the ready
 * file's identity header, as `trustline directory …` / `keys …` make it. Resolves to the status and the JSON answer.
 */
export async function adminCall(ready: ReadyInfo, method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${ready.identity.imdsEndpoint}/_trustline/${path}`, {
    method,
    headers: { 'X-IDENTITY-HEADER': ready.identity.identityHeader, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
