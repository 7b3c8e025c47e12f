/**
 * The token attack suite (issue 8): the families of the attack run (alg none, HS256 with the public key,
 * jwk/jku/x5u/x5c injection, kid tricks, edited payloads, issuer and audience variants) plus the ones that need
 * the signing key, re-signed with the twin's own key so that exactly one claim differs. docs/security.md lists
 * every case (a test keeps the table and this list in step).
 */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';

export interface Kit {
  /** A valid token of the twin (APIM's managed identity → the function app). */
  valid: string;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  twinKey: KeyObject;
  twinKid: string;
  twinCertPem: string;
  attackerKey: KeyObject;
  attackerPublicJwk: Record<string, unknown>;
  attackerCertDer: string;
  /** An http server that counts requests (jku/x5u targets): its origin. */
  trap: string;
  now: number;
}

export interface Attack {
  headers?: Record<string, string>;
  path?: string;
}

export interface AttackCase {
  family: string;
  name: string;
  /** Status the site answers. */
  expect: number;
  make(k: Kit): Attack;
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const bearer = (t: string): Attack => ({ headers: { authorization: `Bearer ${t}` } });

/** Compact JWS over `header`.`payload`, signed as asked. */
export function jws(header: Record<string, unknown>, payload: Record<string, unknown> | string, signer: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signer(input)}`;
}
const rs = (key: KeyObject, hash = 'sha256') => (input: string) => sign(hash, Buffer.from(input), key).toString('base64url');
const ps = (key: KeyObject) => (input: string) =>
  sign('sha256', Buffer.from(input), { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }).toString('base64url');
const hs = (secret: string | Buffer) => (input: string) => createHmac('sha256', secret).update(input).digest('base64url');
const none = () => '';

/** The valid token's header and claims with one change, re-signed by the twin's key. */
const twinSigned = (k: Kit, claims: Record<string, unknown>, header: Record<string, unknown> = k.header) => bearer(jws(header, claims, rs(k.twinKey)));
const without = (o: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

export const ATTACK_CASES: AttackCase[] = [
  // control
  { family: 'control', name: 'the valid token', expect: 200, make: (k) => bearer(k.valid) },
  { family: 'control', name: 'no token', expect: 401, make: () => ({}) },

  // algorithm
  { family: 'algorithm', name: 'alg none, empty signature', expect: 401, make: (k) => bearer(jws({ ...k.header, alg: 'none' }, k.claims, none)) },
  { family: 'algorithm', name: 'alg None / NONE / nOnE', expect: 401, make: (k) => bearer(jws({ ...k.header, alg: 'nOnE' }, k.claims, none)) },
  { family: 'algorithm', name: 'alg none with the original signature kept', expect: 401, make: (k) => bearer(`${b64({ ...k.header, alg: 'none' })}.${k.valid.split('.')[1]}.${k.valid.split('.')[2]}`) },
  { family: 'algorithm', name: 'alg header missing', expect: 401, make: (k) => bearer(jws(without(k.header, 'alg'), k.claims, rs(k.twinKey))) },
  { family: 'algorithm', name: 'HS256 keyed with the twin certificate PEM', expect: 401, make: (k) => bearer(jws({ ...k.header, alg: 'HS256' }, k.claims, hs(k.twinCertPem))) },
  {
    family: 'algorithm', name: 'HS256 keyed with the public key (SPKI PEM and DER)', expect: 401,
    make: (k) => bearer(jws({ ...k.header, alg: 'HS256' }, k.claims, hs(createPublicKey(k.twinCertPem).export({ type: 'spki', format: 'pem' }) as string))),
  },
  {
    family: 'algorithm', name: 'HS256 keyed with the JWKS modulus n', expect: 401,
    make: (k) => bearer(jws({ ...k.header, alg: 'HS256' }, k.claims, hs(String((createPublicKey(k.twinCertPem).export({ format: 'jwk' }) as { n: string }).n)))),
  },
  { family: 'algorithm', name: 'RS384 signed by the twin key (alg not accepted)', expect: 401, make: (k) => bearer(jws({ ...k.header, alg: 'RS384' }, k.claims, rs(k.twinKey, 'sha384'))) },
  {
    family: 'algorithm', name: 'ES256 signed by an attacker EC key', expect: 401,
    make: (k) => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      return bearer(jws({ ...k.header, alg: 'ES256' }, k.claims, (i) => sign('sha256', Buffer.from(i), { key: ec, dsaEncoding: 'ieee-p1363' }).toString('base64url')));
    },
  },
  { family: 'algorithm', name: 'PS256 signed by the twin key (accepted, middleware ≥ 1.6.2)', expect: 200, make: (k) => bearer(jws({ ...k.header, alg: 'PS256' }, k.claims, ps(k.twinKey))) },

  // key injection through the header
  { family: 'key injection', name: 'jwk: attacker public key embedded, attacker kid', expect: 401, make: (k) => bearer(jws({ ...k.header, kid: 'attacker', x5t: 'attacker', jwk: k.attackerPublicJwk }, k.claims, rs(k.attackerKey))) },
  { family: 'key injection', name: 'jwk: attacker key embedded under the twin kid', expect: 401, make: (k) => bearer(jws({ ...k.header, jwk: k.attackerPublicJwk }, k.claims, rs(k.attackerKey))) },
  { family: 'key injection', name: 'jku: attacker JWKS URL (never fetched)', expect: 401, make: (k) => bearer(jws({ ...k.header, kid: 'attacker', jku: `${k.trap}/jwks` }, k.claims, rs(k.attackerKey))) },
  { family: 'key injection', name: 'jku under the twin kid (never fetched)', expect: 401, make: (k) => bearer(jws({ ...k.header, jku: `${k.trap}/jwks2` }, k.claims, rs(k.attackerKey))) },
  { family: 'key injection', name: 'x5u: attacker certificate URL (never fetched)', expect: 401, make: (k) => bearer(jws({ ...k.header, x5u: `${k.trap}/cert.pem` }, k.claims, rs(k.attackerKey))) },
  { family: 'key injection', name: 'x5c: attacker self-signed certificate chain', expect: 401, make: (k) => bearer(jws({ ...k.header, x5c: [k.attackerCertDer] }, k.claims, rs(k.attackerKey))) },
  { family: 'key injection', name: 'x5c + jwk + jku together, signed by the attacker', expect: 401, make: (k) => bearer(jws({ ...k.header, x5c: [k.attackerCertDer], jwk: k.attackerPublicJwk, jku: `${k.trap}/jwks3` }, k.claims, rs(k.attackerKey))) },

  // kid tricks
  { family: 'kid', name: 'no kid and no x5t', expect: 401, make: (k) => bearer(jws(without(without(k.header, 'kid'), 'x5t'), k.claims, rs(k.twinKey))) },
  { family: 'kid', name: 'unknown kid, signed by the attacker', expect: 401, make: (k) => bearer(jws({ ...k.header, kid: 'nope', x5t: 'nope' }, k.claims, rs(k.attackerKey))) },
  { family: 'kid', name: 'kid path traversal ../../../../dev/null', expect: 401, make: (k) => bearer(jws({ ...k.header, kid: '../../../../dev/null', x5t: '../../../../dev/null' }, k.claims, hs(''))) },
  { family: 'kid', name: "kid SQL injection ' OR '1'='1", expect: 401, make: (k) => bearer(jws({ ...k.header, kid: "' OR '1'='1", x5t: "' OR '1'='1" }, k.claims, rs(k.attackerKey))) },
  { family: 'kid', name: 'kid a number / an object', expect: 401, make: (k) => bearer(jws({ ...k.header, kid: { $ne: null }, x5t: 42 }, k.claims, rs(k.attackerKey))) },
  { family: 'kid', name: 'kid __proto__ / constructor', expect: 401, make: (k) => bearer(jws({ ...k.header, kid: '__proto__', x5t: 'constructor' }, k.claims, rs(k.attackerKey))) },
  { family: 'kid', name: 'twin kid, signed by the attacker key', expect: 401, make: (k) => bearer(jws(k.header, k.claims, rs(k.attackerKey))) },

  // edited tokens (the signature of the valid token kept)
  { family: 'edited', name: 'aud changed, signature kept', expect: 401, make: (k) => bearer(`${k.valid.split('.')[0]}.${b64({ ...k.claims, aud: 'api://other' })}.${k.valid.split('.')[2]}`) },
  { family: 'edited', name: 'exp extended, signature kept', expect: 401, make: (k) => bearer(`${k.valid.split('.')[0]}.${b64({ ...k.claims, exp: k.now + 10 * 365 * 86400 })}.${k.valid.split('.')[2]}`) },
  { family: 'edited', name: 'oid (principal) changed, signature kept', expect: 401, make: (k) => bearer(`${k.valid.split('.')[0]}.${b64({ ...k.claims, oid: '00000000-0000-0000-0000-000000000000' })}.${k.valid.split('.')[2]}`) },
  { family: 'edited', name: 'roles added, signature kept', expect: 401, make: (k) => bearer(`${k.valid.split('.')[0]}.${b64({ ...k.claims, roles: ['Admin'] })}.${k.valid.split('.')[2]}`) },
  { family: 'edited', name: 'header edited (typ), signature kept', expect: 401, make: (k) => bearer(`${b64({ ...k.header, typ: 'at+jwt' })}.${k.valid.split('.').slice(1).join('.')}`) },
  { family: 'edited', name: 'signature removed (header.payload.)', expect: 401, make: (k) => bearer(`${k.valid.split('.').slice(0, 2).join('.')}.`) },
  { family: 'edited', name: 'two parts only (header.payload)', expect: 401, make: (k) => bearer(k.valid.split('.').slice(0, 2).join('.')) },
  { family: 'edited', name: 'signature of another twin token', expect: 401, make: (k) => bearer(`${k.valid.split('.')[0]}.${b64({ ...k.claims, uti: 'x' })}.${jws(k.header, { ...k.claims, uti: 'y' }, rs(k.twinKey)).split('.')[2]}`) },
  { family: 'edited', name: 'signature truncated by one byte', expect: 401, make: (k) => bearer(k.valid.slice(0, -2)) },
  { family: 'edited', name: 'padding and non-base64url characters (+ / =)', expect: 401, make: (k) => bearer(`${k.valid.split('.')[0]}=.${k.valid.split('.')[1]}.${k.valid.split('.')[2]!.replace(/-/g, '+')}`) },
  { family: 'edited', name: 'five parts (JWE shape)', expect: 401, make: (k) => bearer(`${k.valid}.a.b`) },
  { family: 'edited', name: 'payload not JSON (re-signed by the twin)', expect: 401, make: (k) => bearer(jws(k.header, 'not json', rs(k.twinKey))) },
  { family: 'edited', name: 'payload a JSON array (re-signed by the twin)', expect: 401, make: (k) => bearer(jws(k.header, '[1,2]', rs(k.twinKey))) },

  // issuer variants (re-signed by the twin: only the claim differs)
  { family: 'issuer', name: 'iss of another tenant', expect: 401, make: (k) => twinSigned(k, { ...k.claims, iss: 'https://sts.windows.net/99999999-2222-3333-4444-555555555555/' }) },
  { family: 'issuer', name: 'iss without the trailing slash', expect: 401, make: (k) => twinSigned(k, { ...k.claims, iss: String(k.claims.iss).replace(/\/$/, '') }) },
  { family: 'issuer', name: 'iss upper-cased host', expect: 401, make: (k) => twinSigned(k, { ...k.claims, iss: String(k.claims.iss).replace('sts.windows.net', 'STS.WINDOWS.NET') }) },
  { family: 'issuer', name: 'iss an attacker URL', expect: 401, make: (k) => twinSigned(k, { ...k.claims, iss: `${k.trap}/` }) },
  { family: 'issuer', name: 'iss missing', expect: 401, make: (k) => twinSigned(k, without(k.claims, 'iss')) },
  { family: 'issuer', name: 'iss an array holding the right issuer', expect: 401, make: (k) => twinSigned(k, { ...k.claims, iss: [k.claims.iss] }) },
  { family: 'issuer', name: 'iss the v2 form of the same tenant (accepted: tenant-any-version)', expect: 200, make: (k) => twinSigned(k, { ...k.claims, iss: `https://login.microsoftonline.com/${String(k.claims.tid)}/v2.0` }) },

  // audience variants
  { family: 'audience', name: 'aud another application', expect: 401, make: (k) => twinSigned(k, { ...k.claims, aud: '00000000-0000-0000-0000-0000000000aa' }) },
  { family: 'audience', name: 'aud api://{clientId} (not listed in allowedAudiences)', expect: 401, make: (k) => twinSigned(k, { ...k.claims, aud: `api://${String(k.claims.aud)}` }) },
  { family: 'audience', name: 'aud upper-cased clientId', expect: 401, make: (k) => twinSigned(k, { ...k.claims, aud: String(k.claims.aud).toUpperCase() }) },
  { family: 'audience', name: 'aud missing', expect: 401, make: (k) => twinSigned(k, without(k.claims, 'aud')) },
  { family: 'audience', name: 'aud an array holding the clientId (accepted, as .NET does)', expect: 200, make: (k) => twinSigned(k, { ...k.claims, aud: ['api://other', k.claims.aud] }) },

  // lifetime (re-signed by the twin)
  { family: 'lifetime', name: 'exp past beyond the 5 min skew', expect: 401, make: (k) => twinSigned(k, { ...k.claims, exp: k.now - 301 }) },
  { family: 'lifetime', name: 'nbf in the future beyond the skew', expect: 401, make: (k) => twinSigned(k, { ...k.claims, nbf: k.now + 3600 }) },
  { family: 'lifetime', name: 'nbf a string in the future', expect: 401, make: (k) => twinSigned(k, { ...k.claims, nbf: String(k.now + 86_400) }) },
  { family: 'lifetime', name: 'exp a string', expect: 401, make: (k) => twinSigned(k, { ...k.claims, exp: String(k.now + 3600) }) },
  { family: 'lifetime', name: 'exp 1e400 (Infinity)', expect: 401, make: (k) => bearer(jws(k.header, JSON.stringify({ ...k.claims, exp: 0 }).replace('"exp":0', '"exp":1e400'), rs(k.twinKey))) },
  { family: 'lifetime', name: 'exp missing', expect: 401, make: (k) => twinSigned(k, without(k.claims, 'exp')) },
  { family: 'lifetime', name: 'exp negative', expect: 401, make: (k) => twinSigned(k, { ...k.claims, exp: -1 }) },

  // transport of the credential
  { family: 'transport', name: 'token in the query string (?access_token=)', expect: 401, make: (k) => ({ path: `/api/hello?access_token=${k.valid}` }) },
  { family: 'transport', name: 'scheme Basic with the token', expect: 401, make: (k) => ({ headers: { authorization: `Basic ${k.valid}` } }) },
  { family: 'transport', name: 'X-ZUMO-AUTH carrying the valid token', expect: 401, make: (k) => ({ headers: { 'x-zumo-auth': k.valid } }) },
  { family: 'transport', name: 'forged X-MS-CLIENT-PRINCIPAL* headers, no token', expect: 401, make: () => ({ headers: { 'x-ms-client-principal-id': 'forged', x_ms_client_principal_idp: 'aad', 'x-ms-client-principal': b64({ auth_typ: 'aad', claims: [] }) } }) },
  { family: 'transport', name: 'a 12 KB token (valid; too large for the function host)', expect: 431, make: (k) => twinSigned(k, { ...k.claims, pad: 'g'.repeat(8000) }) },
];

/** Parse a PEM certificate into the DER base64 an x5c entry holds. */
export function certDerBase64(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}
export { createPrivateKey };
