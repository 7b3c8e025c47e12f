import { compactDecrypt, compactVerify, decodeProtectedHeader, errors as joseErrors } from 'jose';
import type { KeyObject } from 'node:crypto';
import { certificateKeys } from '../pfx.js';
import type { OpenIdKeys } from '../pipeline/openid-keys.js';
import { PolicyError } from '../pipeline/errors.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyNode } from '../policy/xml.js';
import type { CompileContext, ValueSource } from './types.js';
import { optional, str } from './util.js';

/**
 * What validate-jwt and validate-azure-ad-token share (docs/behaviour/apim.md §2): where the token comes from, its
 * decoding, signature checks against an OpenID configuration's keys, lifetime, audiences and required claims,
 * with the IDX messages of the .NET token handler APIM runs on.
 */

export const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512'];
export type Fail = (reason: string, message: string) => PolicyError;

/** The failure factory of one policy: `failed-validation-httpcode` and `-error-message`, or APIM's default bodies. */
export function failWith(source: string, status: number, custom: string | undefined): Fail {
  return (reason, message) =>
    new PolicyError({ source, reason, message, statusCode: status, responseMessage: custom ?? (reason === 'TokenNotPresent' ? message : 'Invalid JWT.') });
}

export interface TokenSource { header?: ValueSource; query?: ValueSource; value?: ValueSource; scheme?: ValueSource }

/** header-name | query-parameter-name | token-value (exactly one; `defaultHeader` when none is given). */
export function compileTokenSource(cc: CompileContext, node: PolicyNode, defaultHeader?: string): TokenSource {
  const header = optional(cc, node, 'header-name');
  const query = optional(cc, node, 'query-parameter-name');
  const value = optional(cc, node, 'token-value');
  const given = [header, query, value].filter(Boolean).length;
  if (given > 1 || (given === 0 && !defaultHeader)) {
    throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `<${node.name}> needs exactly one of header-name, query-parameter-name, token-value`);
  }
  const scheme = optional(cc, node, 'require-scheme');
  if (given === 0) return { header: { isExpression: false, literal: defaultHeader!, get: () => defaultHeader! }, ...(scheme ? { scheme } : {}) };
  return { ...(header ? { header } : {}), ...(query ? { query } : {}), ...(value ? { value } : {}), ...(scheme ? { scheme } : {}) };
}

export function compileStatus(cc: CompileContext, node: PolicyNode): number {
  const status = Number(node.attrs['failed-validation-httpcode'] ?? '401');
  if (!Number.isInteger(status) || status < 400 || status > 599) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `failed-validation-httpcode '${node.attrs['failed-validation-httpcode']}' is not an error status`);
  return status;
}

/** The token of this request, or a TokenNotPresent failure. */
export function extractToken(src: TokenSource, rc: RequestRun, no: Fail): string {
  let token: string | undefined;
  if (src.header) {
    const name = str(src.header.get(rc));
    const h = rc.request.headers.get(name.toLowerCase())?.values[0];
    if (h !== undefined) {
      const sch = src.scheme ? str(src.scheme.get(rc)) : undefined;
      if (sch && name.toLowerCase() === 'authorization') {
        if (!h.toLowerCase().startsWith(sch.toLowerCase() + ' ')) throw no('TokenNotPresent', 'JWT not present.');
        token = h.slice(sch.length + 1).trim();
      } else token = h.replace(/^bearer\s+/i, '').trim();
    }
  } else if (src.query) {
    const q = str(src.query.get(rc));
    token = rc.request.originalUrl.query.find(([k]) => k === q)?.[1];
  } else token = str(src.value!.get(rc));
  if (!token) throw no('TokenNotPresent', 'JWT not present.');
  return token;
}

export interface DecodedToken { alg: string; kid: string | undefined; payload: Record<string, unknown> }

export function decodeToken(token: string, no: Fail): DecodedToken {
  try {
    const h = decodeProtectedHeader(token);
    const part = token.split('.')[1] ?? '';
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (token.split('.').length !== 3 || !payload || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('not a JWS');
    return { alg: String(h.alg ?? ''), kid: h.kid, payload };
  } catch {
    throw no('JwtInvalid', 'Invalid JWT.');
  }
}

/**
 * Verifies the signature with the keys of one OpenID configuration (the gateway's cache, pipeline/openid-keys.ts):
 * a `kid` the cached set lacks asks for a refresh first (docs/behaviour/apim.md §7, behaviour 30). Returns the
 * configuration's keys (its `issuer` included) when the signature holds.
 */
export async function verifyWithOpenId(rc: RequestRun, url: string, token: string, kid: string | undefined, no: Fail): Promise<OpenIdKeys> {
  const cache = rc.services.stores.openId;
  const load = async (kidMiss: boolean) => {
    try {
      return await cache.get(rc.services.httpClient, rc.clock, url, kidMiss);
    } catch (e) {
      throw no('TokenSignatureKeyNotFound', `Unable to obtain signing keys from '${url}': ${(e as Error).message}. Access denied.`);
    }
  };
  const has = (set: OpenIdKeys) => !kid || set.keys.keys.some((k) => k.kid === kid);
  let { keys: set, refreshed } = await load(false);
  if (!has(set) && !refreshed) {
    ({ keys: set, refreshed } = await load(true));
    rc.note(refreshed ? `signing key '${kid}' not in the cached keys of ${url}: refetched (${has(set) ? 'found' : 'still missing'})`
      : `signing key '${kid}' not in the cached keys of ${url}; not refetched (at most once per 5 minutes)`);
  }
  if (!has(set)) throw no('TokenSignatureKeyNotFound', `IDX10501: Signature validation failed. Unable to match key: kid '${kid ?? ''}'. Access denied.`);
  try { await compactVerify(token, set.getKey); } catch (e) {
    if (e instanceof joseErrors.JWKSNoMatchingKey) throw no('TokenSignatureKeyNotFound', `IDX10501: Signature validation failed. Unable to match key: kid '${kid ?? ''}'. Access denied.`);
    throw no('TokenSignatureInvalid', 'IDX10511: Signature validation failed. Access denied.');
  }
  return set;
}

/** exp (required unless `requireExp` is false) and nbf, with a clock skew in seconds. */
export function checkLifetime(rc: RequestRun, payload: Record<string, unknown>, requireExp: boolean, skew: number, no: Fail): void {
  const now = rc.clock.now() / 1000;
  const exp = payload.exp;
  if (exp === undefined) { if (requireExp) throw no('TokenExpired', 'IDX10225: Lifetime validation failed. The token is missing an Expiration Time. Access denied.'); }
  else if (typeof exp !== 'number' || now > exp + skew) throw no('TokenExpired', 'IDX10223: Lifetime validation failed. The token is expired. Access denied.');
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || now + skew < payload.nbf)) throw no('TokenExpired', 'IDX10222: Lifetime validation failed. The token is not yet valid. Access denied.');
}

export function audiencesOf(payload: Record<string, unknown>): string[] {
  return Array.isArray(payload.aud) ? payload.aud.map(String) : payload.aud === undefined ? [] : [String(payload.aud)];
}

export function audienceFailure(payload: Record<string, unknown>, no: Fail): PolicyError {
  return no('TokenAudienceNotAllowed', `IDX10214: Audience validation failed. Audiences: '${audiencesOf(payload).join(', ')}'. Access denied.`);
}

/** The text values of `<parent><child>…</child></parent>` (expressions allowed). */
export function childTexts(cc: CompileContext, node: PolicyNode | undefined, child: string): ValueSource[] {
  return (node?.children ?? []).filter((c) => c.name === child).map((c) => cc.value(c, c.text.trim(), `<${child}>`)!);
}

export interface RequiredClaim { name: string; match: string; separator: string | undefined; values: ValueSource[] }

export function compileRequiredClaims(cc: CompileContext, node: PolicyNode | undefined): RequiredClaim[] {
  return (node?.children ?? []).filter((c) => c.name === 'claim').map((c) => {
    if (!c.attrs.name) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, "<claim> requires the attribute 'name'");
    const match = c.attrs.match ?? 'all';
    if (match !== 'all' && match !== 'any') throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, `match must be all or any, not '${match}'`);
    return { name: c.attrs.name, match, separator: c.attrs.separator, values: c.children.filter((v) => v.name === 'value').map((v) => cc.value(v, v.text.trim(), `<value> of <${c.name}>`)!) };
  });
}

export function checkRequiredClaims(rc: RequestRun, payload: Record<string, unknown>, claims: readonly RequiredClaim[], no: Fail): void {
  const missing: string[] = [];
  for (const c of claims) {
    const raw = payload[c.name];
    if (raw === undefined) { missing.push(c.name); continue; }
    if (c.values.length === 0) continue;
    let have = Array.isArray(raw) ? raw.map(String) : [String(raw)];
    if (c.separator) have = have.flatMap((h) => h.split(c.separator!));
    const want = c.values.map((v) => str(v.get(rc)));
    const ok = c.match === 'any' ? want.some((w) => have.includes(w)) : want.every((w) => have.includes(w));
    if (!ok) throw no('TokenClaimValueNotAllowed', `Claim value of '${c.name}' is not allowed. Access denied.`);
  }
  if (missing.length) throw no('TokenClaimNotFound', `JWT token is missing the following claims: ${missing.join(', ')}. Access denied.`);
}

/** A base64 key, or the private key of a certificate entity of the service (`certificate-id`, found per request). */
export type DecryptionKey = { kid?: string; key: Uint8Array } | { kid?: string; certificateId: string };

/**
 * The key of a service certificate entity (`certificate-id`): its private key to decrypt, its public key to verify
 * signatures. Undefined when the service has no such certificate, or no private key was uploaded with it.
 */
export function certificateKey(rc: RequestRun, id: string, use: 'decrypt' | 'verify'): KeyObject | undefined {
  const cert = rc.services.certificates?.get(id.toLowerCase());
  if (!cert) {
    rc.note(`certificate-id '${id}' names no certificate of the service`);
    return undefined;
  }
  try {
    const keys = certificateKeys(cert);
    return (use === 'decrypt' ? keys.privateKey : keys.publicKey) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * `<decryption-keys><key>`: base64 symmetric keys, or `certificate-id` (the private key of an uploaded PKCS#12
 * certificate: RSA key management); an n/e public key is refused at load (it cannot decrypt).
 */
export function compileDecryptionKeys(cc: CompileContext, node: PolicyNode | undefined): DecryptionKey[] {
  const decryptionKeys: DecryptionKey[] = [];
  for (const k of node?.children ?? []) {
    if (k.name !== 'key') { cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', k, `<${k.name}> is not allowed inside <decryption-keys>`); continue; }
    const text = k.text.trim();
    const certificateId = k.attrs['certificate-id'];
    if (certificateId !== undefined) {
      if (certificateId.trim() === '' || text !== '') throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', k, '<decryption-keys><key certificate-id> names a certificate of the service and holds no text');
      decryptionKeys.push({ ...(k.attrs.id ? { kid: k.attrs.id } : {}), certificateId: certificateId.trim() });
      continue;
    }
    if (k.attrs.n !== undefined || k.attrs.e !== undefined) { cc.problem('ERR_APIM_POLICY_UNSUPPORTED', k, '<decryption-keys><key n e> names a public key, which cannot decrypt a token: give the base64 symmetric key'); continue; }
    if (!/^[A-Za-z0-9+/=\s]+$/.test(text)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', k, '<decryption-keys><key> must hold a base64-encoded key');
    decryptionKeys.push({ ...(k.attrs.id ? { kid: k.attrs.id } : {}), key: Buffer.from(text, 'base64') });
  }
  return decryptionKeys;
}

/**
 * An encrypted token (JWE, five parts) is decrypted with the `<decryption-keys>` — each tried in turn, a key with an
 * `id` only for a token of that `kid` — and its content (a nested signed JWT, or the claims themselves) is what is
 * validated. No key that opens it: 401 "Invalid JWT." with reason TokenDecryptionFailed (the reason is the twin's
 * name [?]; IDX10603 in the message, as .NET's handler says).
 */
export async function decrypt(token: string, keys: readonly DecryptionKey[], no: Fail, rc: RequestRun): Promise<string> {
  if (token.split('.').length !== 5) return token;
  let kid: string | undefined;
  try { kid = decodeProtectedHeader(token).kid; } catch { throw no('JwtInvalid', 'Invalid JWT.'); }
  const tried: string[] = [];
  for (const k of keys) {
    if (kid && k.kid && k.kid !== kid) continue;
    tried.push(k.kid ?? ('certificateId' in k ? k.certificateId : '(no id)'));
    const key = 'certificateId' in k ? certificateKey(rc, k.certificateId, 'decrypt') : k.key;
    if (!key) continue;
    try {
      const { plaintext, protectedHeader } = await compactDecrypt(token, key);
      const inner = Buffer.from(plaintext).toString('utf8');
      rc.note(`decrypted (${protectedHeader.alg}/${protectedHeader.enc})`);
      if (inner.split('.').length === 3) return inner;
      // The claims were encrypted directly: an unsigned token of them (require-signed-tokens decides).
      return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(inner).toString('base64url')}.`;
    } catch { /* next key */ }
  }
  throw no('TokenDecryptionFailed', `IDX10603: Decryption failed. Keys tried: '${tried.join(', ') || 'none'}'. Access denied.`);
}

