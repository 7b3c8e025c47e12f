import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Request tracing as APIM does it now (docs/behaviour/apim.md §2, trace): the management API's
 * `POST …/gateways/managed/listDebugCredentials` (body `{apiId, purposes: ["tracing"], credentialsExpireAfter}`, at most
 * PT1H, default PT1H) answers `{ "token": "aid=…" }`; a gateway request carrying it in `Apim-Debug-Authorization` is
 * traced and answered with `Apim-Trace-Id`; `POST …/gateways/managed/listTrace` `{traceId}` answers the trace. An
 * expired token gets `Apim-Debug-Authorization-Expired`, one issued for another API `Apim-Debug-Authorization-WrongAPI`
 * [doc: the request-tracing tutorial]. The `Ocp-Apim-Trace` header no longer enables tracing in Azure [doc]; the twin
 * honours it only with the compat flag `legacyTraceHeader`.
 *
 * The token is the twin's: `aid={api name}&p=tracing&ex={expiry, epoch seconds}&s={HMAC-SHA256}`, keyed by a secret
 * of this gateway (tokens do not survive a restart of the twin).
 */

export const MAX_DEBUG_CREDENTIALS_SECONDS = 3600;

export interface DebugCredentialsRequest { apiId?: unknown; purposes?: unknown; credentialsExpireAfter?: unknown }

/** An ARM-style refusal of a listDebugCredentials body. */
export class DebugCredentialsError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

/** ISO 8601 durations as ARM writes them (`PT1H`, `PT30M`, `PT90S`, `P0DT1H`). */
function durationSeconds(text: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text.trim());
  if (!m || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

export type DebugTokenCheck = { kind: 'valid' } | { kind: 'expired'; header: string } | { kind: 'wrong-api'; header: string } | { kind: 'invalid' };

export class DebugCredentials {
  readonly #key = randomBytes(32);

  #sign(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64url');
  }

  /** `listDebugCredentials` for one of the service's APIs (`apiName`: the last segment of `apiId`). */
  issue(body: DebugCredentialsRequest, nowMs: number, apiExists: (apiName: string) => boolean): { token: string } {
    const apiId = typeof body.apiId === 'string' ? body.apiId : '';
    const apiName = /\/apis\/([^/]+)$/i.exec(apiId)?.[1];
    if (!apiName) throw new DebugCredentialsError('ValidationError', "The field 'apiId' must be the full resource id of an API of the service.");
    if (!apiExists(apiName)) throw new DebugCredentialsError('ResourceNotFound', `Api not found: '${apiId}'.`);
    const purposes = Array.isArray(body.purposes) ? body.purposes.map(String) : [];
    if (!purposes.some((p) => p.toLowerCase() === 'tracing')) throw new DebugCredentialsError('ValidationError', "The field 'purposes' must contain 'tracing'.");
    let seconds = MAX_DEBUG_CREDENTIALS_SECONDS;
    if (body.credentialsExpireAfter !== undefined && body.credentialsExpireAfter !== null) {
      const d = typeof body.credentialsExpireAfter === 'string' ? durationSeconds(body.credentialsExpireAfter) : undefined;
      if (d === undefined || d <= 0 || d > MAX_DEBUG_CREDENTIALS_SECONDS) {
        throw new DebugCredentialsError('ValidationError', `The field 'credentialsExpireAfter' must be an ISO 8601 duration of at most PT1H, not '${String(body.credentialsExpireAfter)}'.`);
      }
      seconds = d;
    }
    const payload = `aid=${encodeURIComponent(apiName)}&p=tracing&ex=${Math.floor(nowMs / 1000) + Math.floor(seconds)}`;
    return { token: `${payload}&s=${this.#sign(payload)}` };
  }

  /** The `Apim-Debug-Authorization` value of a request to API `apiName`. */
  check(token: string, apiName: string | undefined, nowMs: number): DebugTokenCheck {
    const at = token.lastIndexOf('&s=');
    if (at < 0) return { kind: 'invalid' };
    const payload = token.slice(0, at);
    const given = Buffer.from(token.slice(at + 3));
    const want = Buffer.from(this.#sign(payload));
    if (given.length !== want.length || !timingSafeEqual(given, want)) return { kind: 'invalid' };
    const fields = new URLSearchParams(payload);
    const expires = Number(fields.get('ex'));
    if (!Number.isFinite(expires) || nowMs / 1000 > expires) {
      return { kind: 'expired', header: `Debug credentials expired at ${new Date(expires * 1000).toISOString()}.` };
    }
    const aid = fields.get('aid') ?? '';
    // Any revision of the API (`name;rev=N`) is the API the credentials were issued for.
    if (!apiName || aid.toLowerCase() !== apiName.replace(/;rev=.*$/i, '').toLowerCase()) {
      return { kind: 'wrong-api', header: `Debug credentials were issued for API '${aid}', not for the API of this request.` };
    }
    return { kind: 'valid' };
  }
}
