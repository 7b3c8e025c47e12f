/**
 * The gateway's decision record: one per request, like Easy Auth's (src/easyauth/pipeline/trace.ts).
 * It says which route matched, what each policy step did, which managed-identity token was requested
 * (decoded claims, never the token), what the backend was asked and answered, and, for every non-2xx
 * answer, why. Handed to `GatewayOptions.onDecision` (the runtime keeps them for `trustline explain`)
 * and served as the APIM request trace (`Apim-Debug-Authorization` debug credentials, or `Ocp-Apim-Trace` under compat flag `legacyTraceHeader`). Never holds tokens, keys or bodies.
 */
export type StepOutcome = 'ok' | 'error' | 'ended' | 'skipped';

export interface DecisionStep {
  section: string;
  /** global | product | api | operation */
  scope: string;
  /** Element name (`validate-jwt`). */
  policy: string;
  /** Position in the section, e.g. `choose[1]/when[1]/set-header[2]`. */
  path: string;
  id?: string;
  outcome: StepOutcome;
  /** What it did or why it failed (no secrets). */
  detail?: string;
  /** APIM's trace messages of a failed step (`data.messages` of its trace entry: an expression failure's). */
  messages?: readonly unknown[];
  /** The twin's pointer to the cause of a failed expression (`Length on a null value`): `data.twinHint` beside them. */
  hint?: string;
  /** Milliseconds since the request arrived. */
  at: number;
}

export interface DecisionToken {
  resource: string;
  /** `system-assigned` or the user-assigned identity's client id. */
  identity: string;
  /** `hit` when the cached token was reused. */
  cache: 'hit' | 'miss';
  /** Decoded claims of the token (aud, iss, appid, oid, exp…). */
  claims?: Record<string, unknown>;
  error?: string;
}

export interface DecisionBackend {
  method: string;
  url: string;
  /** The policy that made the call when it is not the backend call of forward-request (`send-request`, `send-one-way-request`). */
  by?: string;
  status?: number;
  error?: string;
  ms?: number;
}

export interface GatewayDecision {
  kind: 'apim';
  requestId: string;
  service: string;
  /** ISO time the request arrived (gateway clock). */
  time: string;
  method: string;
  /** The URL as the client called it. */
  url: string;
  route: { api: string | null; operation: string | null; urlTemplate: string | null; parameters: Record<string, string> };
  subscription: { name: string; scope: string; product: string | null } | null;
  steps: DecisionStep[];
  tokens: DecisionToken[];
  backend: DecisionBackend[];
  /** context.LastError when the request went to on-error. */
  error: { source: string; reason: string; message: string; section: string; scope: string; path: string; policyId: string } | null;
  status: number;
  /** Why the answer is not 2xx (also logged); undefined for 2xx/3xx. */
  explanation?: string;
  durationMs: number;
}

export function newDecision(init: { requestId: string; service: string; time: string; method: string; url: string }): GatewayDecision {
  return {
    kind: 'apim', ...init,
    route: { api: null, operation: null, urlTemplate: null, parameters: {} },
    subscription: null, steps: [], tokens: [], backend: [], error: null, status: 0, durationMs: 0,
  };
}

/** Claims of a JWT without verifying it (for the record only); undefined when it is not one. */
export function decodeClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * APIM's request trace document for a traced request (`listTrace`) (the shape the portal's test console reads):
 * trace entries per section, each with source, elapsed time and data.
 */
export function traceDocument(d: GatewayDecision, messages: ReadonlyArray<{ section: string; source: string; severity: string; message: string; at: number }>): unknown {
  const sections: Record<string, unknown[]> = { inbound: [], backend: [], outbound: [], 'on-error': [] };
  const elapsed = (ms: number) => {
    const s = Math.max(0, ms) / 1000;
    const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
    return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${ss.toFixed(7).padStart(10, '0')}`;
  };
  const entries: Array<{ section: string; at: number; entry: unknown }> = [];
  for (const s of d.steps) {
    // A step with APIM's own trace messages shows those (not the twin's detail, which may carry a twin-only hint).
    const said = s.messages ? { messages: s.messages, ...(s.hint ? { twinHint: s.hint } : {}) } : s.detail ? { message: s.detail } : {};
    entries.push({ section: s.section, at: s.at, entry: { source: s.policy, timestamp: d.time, elapsed: elapsed(s.at), data: { scope: s.scope, path: s.path, outcome: s.outcome, ...said } } });
  }
  for (const m of messages) {
    entries.push({ section: m.section, at: m.at, entry: { source: m.source, timestamp: d.time, elapsed: elapsed(m.at), data: { severity: m.severity, message: m.message } } });
  }
  entries.sort((a, b) => a.at - b.at);
  for (const e of entries) (sections[e.section] ??= []).push(e.entry);
  return {
    traceId: d.requestId,
    traceEntries: sections,
    route: d.route,
    ...(d.tokens.length ? { managedIdentityTokens: d.tokens } : {}),
    backend: d.backend,
    lastError: d.error,
    status: d.status,
  };
}
