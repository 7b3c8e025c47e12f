import { createPublicKey, verify, constants, type KeyObject } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import type { DirectoryObject } from '../../state/index.js';
import { AZURE_LOGIN_HOSTS } from '../routes/host-guard.js';
import { checkAssertionWindow } from './assertion-window.js';
import { stsError } from './sts-error.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function jwsPart(s: string | undefined): Record<string, unknown> | undefined {
  if (s === undefined || !/^[A-Za-z0-9_-]+$/.test(s)) return undefined;
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Is `aud` this tenant's token endpoint (v1 or v2), at Azure's login host or at the twin's loopback listener? */
function audienceIsTokenEndpoint(aud: unknown, tenantId: string): boolean {
  const values = Array.isArray(aud) ? aud : [aud];
  return values.some((v) => {
    if (typeof v !== 'string') return false;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return false;
    }
    const hostOk = AZURE_LOGIN_HOSTS.includes(u.hostname.toLowerCase()) || LOOPBACK.has(u.hostname.toLowerCase());
    const m = /^\/([^/]+)\/oauth2\/(?:v2\.0\/)?token\/?$/i.exec(u.pathname);
    return hostOk && m !== null && m[1]!.toLowerCase() === tenantId.toLowerCase();
  });
}

/**
 * A certificate client assertion (RFC 7523, `private_key_jwt`): signed RS256/PS256 by a certificate
 * registered on the app (found by `x5t`, `x5t#S256` or `kid` thumbprint), `iss` = `sub` = client id,
 * `aud` = this tenant's token endpoint, inside its validity window (5 minutes of skew).
 */
export function verifyClientAssertion(app: DirectoryObject, assertion: string, tenantId: string, clock: Clock): void {
  const [h, p, sig, extra] = assertion.split('.');
  const header = jwsPart(h);
  const payload = jwsPart(p);
  if (!header || !payload || sig === undefined || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(sig)) {
    throw stsError('assertionInvalid', { reason: 'the client assertion is not a compact JWS' });
  }
  const alg = header.alg;
  if (alg !== 'RS256' && alg !== 'PS256') throw stsError('assertionInvalid', { reason: `unsupported alg ${String(alg)}` });
  const thumb = [header['x5t#S256'], header.x5t, header.kid].find((t): t is string => typeof t === 'string');
  const cred = (app.keyCredentials ?? []).find((k) => k.x5t === header.x5t || k.x5tS256 === header['x5t#S256'] || k.x5t === header.kid || k.x5tS256 === header.kid);
  if (!cred) throw stsError('assertionKeyNotFound', { thumbprint: thumb ?? '' });
  let key: KeyObject;
  try {
    key = createPublicKey(cred.certificate);
  } catch {
    throw stsError('assertionInvalid', { reason: 'the registered certificate cannot be read' });
  }
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${p}`, 'ascii'),
    alg === 'PS256' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : key,
    Buffer.from(sig, 'base64url'),
  );
  if (!ok) throw stsError('assertionInvalid', { reason: 'the signature does not verify' });
  if (payload.iss !== app.appId || payload.sub !== app.appId) throw stsError('assertionSubject', { subject: `${String(payload.iss)}/${String(payload.sub)}` });
  if (!audienceIsTokenEndpoint(payload.aud, tenantId)) throw stsError('assertionAudience', { audience: String(payload.aud) });
  checkAssertionWindow(payload, clock);
}
