import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { compactVerify, createRemoteJWKSet, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../../core/index.js';
import type { DirectoryObject, FederatedIdentityCredential } from '../../state/index.js';
import type { DirectoryIndex } from '../directory/directory-index.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { SigningKey } from '../keys/signing-key.js';
import { checkAssertionWindow } from './assertion-window.js';
import { jwsPart } from './client-assertion.js';
import { TOKEN_EXCHANGE_APP_ID, TOKEN_EXCHANGE_AUDIENCE } from './resource-resolver.js';
import { stsError } from './sts-error.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const EXTERNAL_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384'];
const FETCH_TIMEOUT_MS = 5000;
const MAX_ISSUERS = 64;

export interface FederatedAssertionDeps {
  directory: DirectoryIndex;
  keys: KeyRing;
  clock: Clock;
}

/** Does `issuer` name one of the twin's tenants, as Entra writes its v1 or v2 issuer? */
function twinIssuerTenant(directory: DirectoryIndex, issuer: string): string | undefined {
  const m = /^https:\/\/sts\.windows\.net\/([^/]+)\/$/.exec(issuer) ?? /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0$/.exec(issuer);
  if (!m) return undefined;
  return directory.tenants().find((t) => t.toLowerCase() === m[1]!.toLowerCase());
}

function isLoopbackUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK.has(u.hostname.toLowerCase());
  } catch {
    return false;
  }
}

const audiencesOf = (aud: unknown): string[] => (Array.isArray(aud) ? aud : [aud]).filter((a): a is string => typeof a === 'string');

/** The credential's audience accepts the assertion's: equal strings, or the exchange URI for the exchange app's GUID. */
function audienceMatches(credential: FederatedIdentityCredential, presented: string[]): boolean {
  return credential.audiences.some((a) => presented.includes(a) || (a === TOKEN_EXCHANGE_AUDIENCE && presented.includes(TOKEN_EXCHANGE_APP_ID)));
}

/**
 * Workload identity federation: a `client_assertion` that is another issuer's token, redeemed against the app's
 * federated identity credentials. Like Entra: one credential must have the assertion's `iss` (else AADSTS700211), and
 * `sub` (700213) — exact, case-sensitive matches — and accept its `aud` (700212); then the signature is checked with
 * the issuer's keys and the token must be inside its validity window (700024).
 * - The twin's own issuers (`https://login.microsoftonline.com/{tenant}/v2.0`, `https://sts.windows.net/{tenant}/`
 *   of a twin tenant): the twin's published signing keys; Entra accepts only managed identities' tokens there
 *   (AADSTS700226 otherwise).
 * - Another issuer on a loopback address: its OpenID discovery document and JWKS, fetched from there (cached).
 * - Any other issuer cannot be reached offline: AADSTS50166, what Entra answers when an issuer's metadata fails.
 */
export function createFederatedAssertionVerifier(deps: FederatedAssertionDeps) {
  const twinKeys = new WeakMap<SigningKey, KeyObject>();
  const external = new Map<string, Promise<JWTVerifyGetKey>>();

  const externalKeys = (issuer: string): Promise<JWTVerifyGetKey> => {
    let keys = external.get(issuer);
    if (!keys) {
      keys = (async () => {
        const res = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
        if (!res.ok) throw new Error(`discovery answered ${res.status}`);
        const doc = (await res.json()) as { jwks_uri?: unknown };
        if (!isLoopbackUrl(doc.jwks_uri)) throw new Error('jwks_uri is not a loopback URL');
        return createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: FETCH_TIMEOUT_MS });
      })();
      if (external.size >= MAX_ISSUERS) external.clear();
      external.set(issuer, keys);
      // A failed discovery is not remembered: the issuer may come up later.
      keys.catch(() => external.delete(issuer));
    }
    return keys;
  };

  const verifyTwinSignature = (assertion: string, header: Record<string, unknown>, issuer: string): void => {
    const key = deps.keys.published().find((k) => k.kid === header.kid);
    if (!key) throw stsError('ficKeyNotFound', { kid: String(header.kid), issuer });
    let pub = twinKeys.get(key);
    if (!pub) twinKeys.set(key, (pub = createPublicKey(key.pem.cert)));
    const [h, p, sig] = assertion.split('.');
    const ok = header.alg === 'RS256' && verify('sha256', Buffer.from(`${h}.${p}`, 'ascii'), pub, Buffer.from(sig!, 'base64url'));
    if (!ok) throw stsError('assertionInvalid', { reason: 'the signature does not verify' });
  };

  const verifyExternalSignature = async (assertion: string, header: Record<string, unknown>, issuer: string): Promise<void> => {
    if (!isLoopbackUrl(issuer)) throw stsError('ficIssuerUnreachable', {}, `token request refused: the issuer ${issuer} cannot be reached offline (only loopback issuers are fetched)`);
    let keys: JWTVerifyGetKey;
    try {
      keys = await externalKeys(issuer);
    } catch {
      throw stsError('ficIssuerUnreachable');
    }
    try {
      await compactVerify(assertion, keys, { algorithms: EXTERNAL_ALGS });
    } catch (e) {
      if (e instanceof joseErrors.JWKSNoMatchingKey) throw stsError('ficKeyNotFound', { kid: String(header.kid ?? ''), issuer });
      if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof joseErrors.JOSEAlgNotAllowed || e instanceof joseErrors.JWSInvalid) {
        throw stsError('assertionInvalid', { reason: 'the signature does not verify' });
      }
      throw stsError('ficIssuerUnreachable');
    }
  };

  return async (app: DirectoryObject, assertion: string): Promise<void> => {
    const [h, p, sig, extra] = assertion.split('.');
    const header = jwsPart(h);
    const payload = jwsPart(p);
    if (!header || !payload || sig === undefined || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(sig)) {
      throw stsError('assertionInvalid', { reason: 'the client assertion is not a compact JWS' });
    }
    const issuer = typeof payload.iss === 'string' ? payload.iss : '';
    const subject = typeof payload.sub === 'string' ? payload.sub : '';
    const presented = audiencesOf(payload.aud);
    const byIssuer = (app.federatedIdentityCredentials ?? []).filter((c) => c.issuer === issuer);
    if (byIssuer.length === 0) throw stsError('ficIssuer', { issuer });
    const bySubject = byIssuer.filter((c) => c.subject === subject);
    if (bySubject.length === 0) throw stsError('ficSubject', { subject });
    if (!bySubject.some((c) => audienceMatches(c, presented))) throw stsError('ficAudience', { audience: presented.join(',') });
    const tenant = twinIssuerTenant(deps.directory, issuer);
    if (tenant !== undefined) {
      verifyTwinSignature(assertion, header, issuer);
      if (deps.directory.object(subject)?.kind !== 'managedIdentity') throw stsError('ficEntraTokenNotManagedIdentity');
    } else {
      await verifyExternalSignature(assertion, header, issuer);
    }
    checkAssertionWindow(payload, deps.clock);
  };
}
