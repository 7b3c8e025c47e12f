import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors as joseErrors, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import { parseJwt } from '../expressions/members-context.js';
import { PolicyError } from '../pipeline/errors.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyNode } from '../policy/xml.js';
import type { CompileContext, PolicyDefinition, ValueSource } from './types.js';
import { literalBool, optional, str } from './util.js';

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512'];
/** JWKS kept this long; an unknown `kid` refetches at most once per 5 minutes (docs/behaviour/apim.md §2). */
const JWKS_TTL_MS = 3600_000;
const REFETCH_MS = 300_000;

/** RSA keys given inline are imported once per algorithm (no key import on the request path). */
const imported = new WeakMap<JWK, Map<string, Promise<Awaited<ReturnType<typeof importJWK>>>>>();
function importedKey(jwk: JWK, alg: string): Promise<Awaited<ReturnType<typeof importJWK>>> {
  let byAlg = imported.get(jwk);
  if (!byAlg) { byAlg = new Map(); imported.set(jwk, byAlg); }
  let k = byAlg.get(alg);
  if (!k) { k = importJWK(jwk, alg); byAlg.set(alg, k); }
  return k;
}

interface KeySource { keys: Array<{ kid?: string; key: Uint8Array | JWK }>; fetchedAt: number }
const jwksCache = new Map<string, { keys: JSONWebKeySet; getKey: ReturnType<typeof createLocalJWKSet>; fetchedAt: number; issuer?: string }>();

async function openIdKeys(rc: RequestRun, url: string, force: boolean): Promise<{ keys: JSONWebKeySet; getKey: ReturnType<typeof createLocalJWKSet>; issuer?: string }> {
  const now = rc.clock.now();
  const hit = jwksCache.get(url);
  if (hit && now - hit.fetchedAt < JWKS_TTL_MS && !(force && now - hit.fetchedAt >= REFETCH_MS)) return hit;
  try {
    const meta = (await rc.services.httpClient.getJson(url)) as { jwks_uri?: string; issuer?: string };
    if (typeof meta.jwks_uri !== 'string') throw new Error(`no jwks_uri in ${url}`);
    const keys = (await rc.services.httpClient.getJson(meta.jwks_uri)) as JSONWebKeySet;
    const entry = { keys, getKey: createLocalJWKSet(keys), fetchedAt: now, ...(meta.issuer ? { issuer: meta.issuer } : {}) };
    jwksCache.set(url, entry);
    return entry;
  } catch (e) {
    if (hit) return hit;
    throw e;
  }
}

function fail(reason: string, message: string, status: number, custom: string | undefined): PolicyError {
  return new PolicyError({ source: 'validate-jwt', reason, message, statusCode: status, responseMessage: custom ?? (reason === 'TokenNotPresent' ? message : 'Invalid JWT.') });
}

function texts(cc: CompileContext, node: PolicyNode | undefined, child: string): ValueSource[] {
  return (node?.children ?? []).filter((c) => c.name === child).map((c) => cc.value(c, c.text.trim(), `<${child}>`)!);
}

/**
 * validate-jwt (docs/behaviour/apim.md §2, §1.5): the token from a header (with `require-scheme`), a query parameter or
 * a value; signature against openid-config keys (Entra twin or any issuer) or issuer-signing-keys;
 * exp (required by default) and nbf with clock-skew; audiences, issuers, required-claims. A failure
 * answers failed-validation-httpcode (401) with failed-validation-error-message, or APIM's defaults.
 */
export const validateJwt: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['header-name', 'query-parameter-name', 'token-value', 'failed-validation-httpcode', 'failed-validation-error-message',
    'require-expiration-time', 'require-scheme', 'require-signed-tokens', 'clock-skew', 'output-token-variable-name', 'validate-connectivity'],
  compile(node, cc, base) {
    const header = optional(cc, node, 'header-name');
    const query = optional(cc, node, 'query-parameter-name');
    const value = optional(cc, node, 'token-value');
    if ([header, query, value].filter(Boolean).length !== 1) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, '<validate-jwt> needs exactly one of header-name, query-parameter-name, token-value');
    const status = Number(node.attrs['failed-validation-httpcode'] ?? '401');
    if (!Number.isInteger(status) || status < 400 || status > 599) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `failed-validation-httpcode '${node.attrs['failed-validation-httpcode']}' is not an error status`);
    const custom = optional(cc, node, 'failed-validation-error-message');
    const requireExp = literalBool(cc, node, 'require-expiration-time', true);
    const requireSigned = literalBool(cc, node, 'require-signed-tokens', true);
    const scheme = optional(cc, node, 'require-scheme');
    const skew = Number(node.attrs['clock-skew'] ?? '0');
    if (!Number.isFinite(skew) || skew < 0) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `clock-skew '${node.attrs['clock-skew']}' is not a number of seconds`);
    const outputVar = node.attrs['output-token-variable-name'];
    const child = (n: string) => node.children.find((c) => c.name === n);
    for (const c of node.children) {
      if (!['openid-config', 'issuer-signing-keys', 'decryption-keys', 'audiences', 'issuers', 'required-claims'].includes(c.name)) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <validate-jwt>`);
      if (c.name === 'decryption-keys') cc.problem('ERR_APIM_POLICY_UNSUPPORTED', c, 'encrypted tokens (<decryption-keys>) are not supported');
    }
    const openIds = node.children.filter((c) => c.name === 'openid-config').map((c) => {
      const u = cc.value(c, c.attrs.url, "attribute 'url'");
      if (!u) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, "<openid-config> requires the attribute 'url'");
      return u;
    });
    const staticKeys: KeySource = { keys: [], fetchedAt: 0 };
    for (const k of child('issuer-signing-keys')?.children ?? []) {
      if (k.name !== 'key') { cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', k, `<${k.name}> is not allowed inside <issuer-signing-keys>`); continue; }
      if (k.attrs.n && k.attrs.e) staticKeys.keys.push({ ...(k.attrs.id ? { kid: k.attrs.id } : {}), key: { kty: 'RSA', n: k.attrs.n, e: k.attrs.e } });
      else if (k.text.trim()) staticKeys.keys.push({ ...(k.attrs.id ? { kid: k.attrs.id } : {}), key: Buffer.from(k.text.trim(), 'base64') });
      else cc.problem('ERR_APIM_POLICY_UNSUPPORTED', k, '<key> with certificate-id is not supported (give a base64 symmetric key or n/e)');
    }
    const audiences = texts(cc, child('audiences'), 'audience');
    const issuers = texts(cc, child('issuers'), 'issuer');
    const claims = (child('required-claims')?.children ?? []).filter((c) => c.name === 'claim').map((c) => {
      if (!c.attrs.name) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, "<claim> requires the attribute 'name'");
      const match = c.attrs.match ?? 'all';
      if (match !== 'all' && match !== 'any') throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, `match must be all or any, not '${match}'`);
      return { name: c.attrs.name, match, separator: c.attrs.separator, values: c.children.filter((v) => v.name === 'value').map((v) => cc.value(v, v.text.trim(), '<value>')!) };
    });
    if (requireSigned && openIds.length === 0 && staticKeys.keys.length === 0) cc.problem('ERR_APIM_POLICY_STRUCTURE', node, '<validate-jwt> needs <openid-config> or <issuer-signing-keys> to validate signatures');
    return {
      ...base,
      async run(rc) {
        const msg = custom ? str(custom.get(rc)) : undefined;
        const no = (reason: string, m: string) => fail(reason, m, status, msg);
        let token: string | undefined;
        if (header) {
          const h = rc.request.headers.get(str(header.get(rc)).toLowerCase())?.values[0];
          if (h !== undefined) {
            const sch = scheme ? str(scheme.get(rc)) : undefined;
            if (sch && str(header.get(rc)).toLowerCase() === 'authorization') {
              if (!h.toLowerCase().startsWith(sch.toLowerCase() + ' ')) throw no('TokenNotPresent', 'JWT not present.');
              token = h.slice(sch.length + 1).trim();
            } else token = h.replace(/^bearer\s+/i, '').trim();
          }
        } else if (query) {
          const q = str(query.get(rc));
          token = rc.request.originalUrl.query.find(([k]) => k === q)?.[1];
        } else token = str(value!.get(rc));
        if (!token) throw no('TokenNotPresent', 'JWT not present.');
        let alg: string;
        let kid: string | undefined;
        let payload: Record<string, unknown>;
        try {
          const h = decodeProtectedHeader(token);
          alg = String(h.alg ?? '');
          kid = h.kid;
          const part = token.split('.')[1] ?? '';
          payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
          if (token.split('.').length !== 3 || !payload || typeof payload !== 'object') throw new Error('not a JWS');
        } catch {
          throw no('JwtInvalid', 'Invalid JWT.');
        }
        if (requireSigned) {
          if (!ALGORITHMS.includes(alg)) throw no('TokenSignatureInvalid', `IDX10511: Signature validation failed: the algorithm '${alg}' is not allowed. Access denied.`);
          let candidates: Array<Uint8Array | JWK> = staticKeys.keys.filter((k) => !kid || !k.kid || k.kid === kid).map((k) => k.key);
          let verified = false;
          for (const key of candidates) {
            try { await compactVerify(token, key instanceof Uint8Array ? key : await importedKey(key, alg)); verified = true; break; } catch { /* next */ }
          }
          for (const u of openIds) {
            if (verified) break;
            const url = str(u.get(rc));
            for (const force of [false, true]) {
              let set;
              try { set = await openIdKeys(rc, url, force); } catch (e) { throw no('TokenSignatureKeyNotFound', `Unable to obtain signing keys from '${url}': ${(e as Error).message}. Access denied.`); }
              const has = !kid || set.keys.keys.some((k) => k.kid === kid);
              if (!has && !force) continue;
              try { await compactVerify(token, set.getKey); verified = true; } catch (e) {
                if (e instanceof joseErrors.JWKSNoMatchingKey) throw no('TokenSignatureKeyNotFound', `IDX10501: Signature validation failed. Unable to match key: kid '${kid ?? ''}'. Access denied.`);
                throw no('TokenSignatureInvalid', 'IDX10511: Signature validation failed. Access denied.');
              }
              break;
            }
          }
          candidates = [];
          if (!verified) throw no(kid ? 'TokenSignatureKeyNotFound' : 'TokenSignatureInvalid', `IDX10501: Signature validation failed. Unable to match key: kid '${kid ?? ''}'. Access denied.`);
        }
        const now = rc.clock.now() / 1000;
        const exp = payload.exp;
        if (exp === undefined) { if (requireExp) throw no('TokenExpired', 'IDX10225: Lifetime validation failed. The token is missing an Expiration Time. Access denied.'); }
        else if (typeof exp !== 'number' || now > exp + skew) throw no('TokenExpired', `IDX10223: Lifetime validation failed. The token is expired. Access denied.`);
        if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || now + skew < payload.nbf)) throw no('TokenExpired', 'IDX10222: Lifetime validation failed. The token is not yet valid. Access denied.');
        if (audiences.length) {
          const aud = Array.isArray(payload.aud) ? payload.aud.map(String) : payload.aud === undefined ? [] : [String(payload.aud)];
          const allowed = audiences.map((a) => str(a.get(rc)));
          if (!aud.some((a) => allowed.includes(a))) throw no('TokenAudienceNotAllowed', `IDX10214: Audience validation failed. Audiences: '${aud.join(', ')}'. Access denied.`);
        }
        if (issuers.length) {
          const allowed = issuers.map((i) => str(i.get(rc)));
          if (!allowed.includes(String(payload.iss))) throw no('TokenIssuerNotAllowed', `IDX10205: Issuer validation failed. Issuer: '${String(payload.iss)}'. Access denied.`);
        }
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
        if (outputVar) rc.variables.set(outputVar, parseJwt(token));
        rc.note(`valid token: iss=${String(payload.iss)} aud=${String(payload.aud)} sub=${String(payload.sub ?? '')}`);
      },
    };
  },
};
