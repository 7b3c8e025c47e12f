import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { HostTable, createHttpClient, type HttpClient } from '../../../src/core/index.js';

export const T = '11111111-2222-3333-4444-555555555555';
export const T2 = '99999999-2222-3333-4444-555555555555';
export const C = 'cccccccc-0000-0000-0000-0000000000f1';
export const M = 'eeeeeeee-0000-0000-0000-0000000000c3';
export const O = '0b0b0b0b-0000-0000-0000-0000000000a1';

export interface SigningKey {
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
  kid: string;
}

export function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const kid = createHash('sha1').update(der).digest('base64url');
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return { privateKey, kid, publicJwk: { kty: 'RSA', use: 'sig', kid, x5t: kid, n: jwk.n, e: jwk.e } };
}

/**
 * A local Entra stand-in: v1 + v2 OIDC metadata and JWKS for any tenant, on 127.0.0.1:0,
 * reachable as https://login.microsoftonline.com and https://sts.windows.net through a HostTable.
 */
export interface TestIssuer {
  key: SigningKey;
  /** Keys published in the JWKS (mutable: tests rotate keys). */
  published: SigningKey[];
  /** Request paths seen. */
  hits: string[];
  httpClient: HttpClient;
  hosts: HostTable;
  /** Answer 503 on everything while true. */
  down: boolean;
  sign(claims: Record<string, unknown>, opts?: { key?: SigningKey; kid?: string; alg?: 'RS256' | 'PS256'; v1?: boolean }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const key = newSigningKey();
  const issuer: Partial<TestIssuer> & { published: SigningKey[]; hits: string[]; down: boolean } = {
    key,
    published: [key],
    hits: [],
    down: false,
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    issuer.hits.push(path);
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    };
    if (issuer.down) return send(503, { error: 'down' });
    const host = String(req.headers.host ?? 'login.microsoftonline.com');
    let m = /^\/([^/]+)\/(v2\.0\/)?\.well-known\/openid-configuration$/.exec(path);
    if (m) {
      const tid = m[1]!;
      const v2 = m[2] !== undefined;
      // Multi-tenant metadata carries the `{tenantid}` template as issuer (identity.md §2e).
      const itid = ['common', 'organizations'].includes(tid) ? '{tenantid}' : tid;
      return send(200, {
        issuer: v2 ? `https://login.microsoftonline.com/${itid}/v2.0` : `https://sts.windows.net/${itid}/`,
        authorization_endpoint: `https://login.microsoftonline.com/${tid}/oauth2/${v2 ? 'v2.0/' : ''}authorize`,
        token_endpoint: `https://login.microsoftonline.com/${tid}/oauth2/${v2 ? 'v2.0/' : ''}token`,
        jwks_uri: `https://login.microsoftonline.com/${tid}/discovery/${v2 ? 'v2.0/' : ''}keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        served_by_host: host,
      });
    }
    m = /^\/([^/]+)\/discovery\/(v2\.0\/)?keys$/.exec(path);
    if (m) return send(200, { keys: issuer.published.map((k) => k.publicJwk) });
    send(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const hosts = new HostTable();
  hosts.set('login.microsoftonline.com', { https: origin, http: origin });
  hosts.set('sts.windows.net', { https: origin, http: origin });
  const httpClient = createHttpClient({ resolver: hosts });
  issuer.hosts = hosts;
  issuer.httpClient = httpClient;
  issuer.sign = async (claims, opts = {}) => {
    const k = opts.key ?? key;
    const kid = opts.kid ?? k.kid;
    const header: Record<string, unknown> = { alg: opts.alg ?? 'RS256', typ: 'JWT', kid };
    if (opts.v1 ?? claims.ver === '1.0') header.x5t = kid;
    return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(k.privateKey);
  };
  issuer.close = async () => {
    await httpClient.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return issuer as TestIssuer;
}

/** Claims of a v1 app-only MI token (spec identity.md §2b). */
export function miV1Claims(nowSec: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: `api://${C}`,
    iss: `https://sts.windows.net/${T}/`,
    iat: nowSec, nbf: nowSec, exp: nowSec + 86_400,
    aio: 'aio-opaque', appid: M, appidacr: '2',
    idp: `https://sts.windows.net/${T}/`, idtyp: 'app',
    oid: O, rh: '0.rh.', roles: ['Invoke', 'Admin'], sub: O, tid: T, uti: 'uti-1', ver: '1.0',
    xms_mirid: '/subscriptions/s/resourcegroups/rg/providers/Microsoft.ApiManagement/service/apim',
    ...over,
  };
}

/** Claims of a v2 app-only token (`azp`, GUID audience). */
export function appV2Claims(nowSec: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: C,
    iss: `https://login.microsoftonline.com/${T}/v2.0`,
    iat: nowSec, nbf: nowSec, exp: nowSec + 3600,
    azp: M, azpacr: '2', idtyp: 'app', oid: O, roles: ['Invoke'], sub: O, tid: T, uti: 'uti-2', ver: '2.0',
    ...over,
  };
}

/** Claims of a v2 delegated user token. */
export function userV2Claims(nowSec: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: C,
    iss: `https://login.microsoftonline.com/${T}/v2.0`,
    iat: nowSec, nbf: nowSec, exp: nowSec + 3600,
    azp: 'f00f0000-0000-0000-0000-000000000001', name: 'Ada Lovelace', preferred_username: 'ada@contoso.example',
    oid: 'a0a0a0a0-0000-0000-0000-000000000001', scp: 'user_impersonation Files.Read', sub: 'sub-ada', tid: T, ver: '2.0',
    ...over,
  };
}
