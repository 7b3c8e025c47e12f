/** The per-request decision record handed to `onTrace` (for explain / console). Never holds tokens. */
export interface AuthStep {
  step: string;
  ok: boolean;
  reason: string;
}

export type AuthOutcome =
  | 'pass-through'
  | 'redirect-https'
  | 'auth-route'
  | 'forwarded-authenticated'
  | 'forwarded-anonymous'
  | 'rejected'
  | 'error';

export interface AuthDecision {
  method: string;
  /** Path without the query string. */
  path: string;
  host: string;
  scheme: 'http' | 'https';
  outcome: AuthOutcome;
  /** Status answered by Easy Auth itself; undefined when the request was forwarded. */
  status?: number;
  /** `hit` when a cached verification was reused, `miss` when the token was verified now. */
  tokenCache?: 'hit' | 'miss';
  /** Who the caller is, when authenticated (ids only, never token material). */
  principal?: { id?: string; name?: string; appId?: string; tenantId?: string };
  /** TwinError code for config errors (500). */
  errorCode?: string;
  steps: AuthStep[];
}

export function newDecision(method: string, path: string, host: string, scheme: 'http' | 'https'): AuthDecision {
  return { method, path, host, scheme, outcome: 'error', steps: [] };
}

export function addStep(d: AuthDecision, step: string, ok: boolean, reason: string): void {
  d.steps.push({ step, ok, reason });
}

/**
 * A step that is the same on every request (e.g. "Easy Auth enabled"): one frozen object pushed into each trace
 * instead of a new one per request. Traces are kept for `trustline explain`, so what they hold is what every
 * request leaves for the garbage collector to promote.
 */
export function sharedStep(step: string, ok: boolean, reason: string): AuthStep {
  return Object.freeze({ step, ok, reason });
}
