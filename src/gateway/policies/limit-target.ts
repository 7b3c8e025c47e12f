import type { RequestRun } from '../pipeline/request-run.js';

/** The `<api>` / `<operation>` child of rate-limit or quota: which API (operation) it limits. */
export interface LimitTarget { kind: string; name: string | undefined; id: string | undefined }

export const limitTargetOf = (c: { name: string; attrs: Record<string, string | undefined> }): LimitTarget => ({ kind: c.name, name: c.attrs.name, id: c.attrs.id });

/**
 * The request's API (operation) identifier when the child applies to it, else undefined. Learn's rate-limit and quota
 * pages: `id` is the API's (operation's) identifier, `name` its name — the display name `context.Api.Name` answers; a
 * `name` equal to the identifier is taken too (templates often repeat the identifier there). Neither: every request.
 * Counters are keyed by the identifier.
 */
export function limitTarget(rc: RequestRun, t: LimitTarget): string | undefined {
  const info = t.kind === 'api' ? rc.api : rc.operation;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (t.id !== undefined && !same(t.id, info.id)) return undefined;
  if (t.name !== undefined && !same(t.name, info.name) && !same(t.name, info.id)) return undefined;
  return info.id;
}
