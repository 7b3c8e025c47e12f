import type { Clock } from '../../core/index.js';
import { stsError } from './sts-error.js';

/** Clock skew Entra tolerates on a client assertion's `nbf`/`exp`. */
export const ASSERTION_SKEW_SECONDS = 300;

/** .NET's round-trip form as Entra prints it: `2025-08-29T05:47:32.1500000Z` (7 fraction digits). */
function roundTrip(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_, f: string) => `.${f}0000Z`);
}

const seconds = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * A client assertion (certificate or federated) must be inside its `nbf`..`exp` window, with 5 minutes of skew;
 * otherwise AADSTS700024 naming the current time and the window (no `nbf` → "valid from 1970-01-01…", as Entra).
 */
export function checkAssertionWindow(payload: Record<string, unknown>, clock: Clock): void {
  const nowMs = clock.now();
  const now = nowMs / 1000;
  const exp = seconds(payload.exp);
  const nbf = payload.nbf === undefined ? 0 : seconds(payload.nbf);
  if (exp !== undefined && nbf !== undefined && exp + ASSERTION_SKEW_SECONDS >= now && nbf - ASSERTION_SKEW_SECONDS <= now) return;
  throw stsError('assertionExpired', { now: roundTrip(nowMs), nbf: roundTrip((nbf ?? 0) * 1000), exp: roundTrip((exp ?? 0) * 1000) });
}
