import { CompactEncrypt, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import { runPolicy, type PolicyRunResult } from '../../../src/gateway/index.js';
import { inbound } from './run.js';

/** validate-azure-ad-token through `trustline policy run` (docs/behaviour/apim.md §2), the tenant's keys served by URL. */
const TID = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';
const CLIENT = '11111111-2222-4333-8444-555555555555';
const BACKEND = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
const NOW = Date.UTC(2026, 0, 1) / 1000;
const META = `https://login.microsoftonline.com/${TID}/v2.0/.well-known/openid-configuration`;
const JWKS = `https://login.microsoftonline.com/${TID}/discovery/v2.0/keys`;

let sign: (claims: JWTPayload, kid?: string) => Promise<string>;
let documents: Record<string, unknown>;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig' };
  documents = { [META]: { issuer: `https://login.microsoftonline.com/${TID}/v2.0`, jwks_uri: JWKS }, [JWKS]: { keys: [jwk] } };
  sign = (claims, kid = 'k1') => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey);
});

const v1 = () => ({ aud: `api://${BACKEND}`, iss: `https://sts.windows.net/${TID}/`, appid: CLIENT, tid: TID, exp: NOW + 600, nbf: NOW - 60, roles: ['Reader'] });
const policy = (attrs = '', inner = '') => inbound(`<validate-azure-ad-token tenant-id="${TID}" ${attrs}>
  <client-application-ids><application-id>${CLIENT}</application-id></client-application-ids>${inner}</validate-azure-ad-token>`,
'<set-header name="X-Appid" exists-action="override"><value>@(((Jwt)context.Variables.GetValueOrDefault("jwt", null))?.Claims.GetValueOrDefault("appid", "-") ?? "none")</value></set-header>');
const call = (p: string, token?: string, extra: Record<string, string> = {}): Promise<PolicyRunResult> =>
  runPolicy({ policy: p, file: 'policy.xml', documents, clock: new ManualClock(NOW * 1000), request: { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra } } });

describe('validate-azure-ad-token (trustline policy run)', () => {
  it('a v1 or v2 token of the tenant from an allowed client passes; output-token-variable-name holds the Jwt', async () => {
    const r = await call(policy('output-token-variable-name="jwt"'), await sign(v1()));
    expect(r.status).toBe(200);
    expect(r.backendRequest).not.toBeNull();
    expect(r.headers['x-appid']).toBe(CLIENT);
    const v2 = { ...v1(), iss: `https://login.microsoftonline.com/${TID}/v2.0`, appid: undefined, azp: CLIENT, ver: '2.0' };
    expect((await call(policy(), await sign(v2))).status).toBe(200);
  });

  it('defaults: Authorization header; no token → 401 "JWT not present."; a malformed one → 401 "Invalid JWT."', async () => {
    const none = await call(policy());
    expect(none.status).toBe(401);
    expect(none.body).toBe('{ "statusCode": 401, "message": "JWT not present." }');
    expect(none.backendRequest).toBeNull();
    const bad = await call(policy(), 'abc');
    expect(bad.body).toBe('{ "statusCode": 401, "message": "Invalid JWT." }');
    const q = await call(policy('query-parameter-name="t"'), undefined);
    expect(q.status).toBe(401);
  });

  it('refuses another client, another tenant, an expired token, an unknown key, a symmetric algorithm', async () => {
    const reason = inbound(`<validate-azure-ad-token tenant-id="${TID}"><client-application-ids><application-id>${CLIENT}</application-id></client-application-ids></validate-azure-ad-token>`)
      .replace('<on-error/>', '<on-error><set-header name="X-Reason" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason)</value></set-header></on-error>');
    const cases: Array<[JWTPayload, string, string?]> = [
      [{ ...v1(), appid: 'aaaaaaaa-0000-4000-8000-000000000000' }, 'TokenClientApplicationNotAllowed'],
      [{ ...v1(), iss: 'https://sts.windows.net/ffffffff-0000-4000-8000-000000000000/' }, 'TokenIssuerNotAllowed'],
      [{ ...v1(), exp: NOW - 1 }, 'TokenExpired'],
      [v1(), 'TokenSignatureKeyNotFound', 'other-kid'],
    ];
    for (const [claims, why, kid] of cases) {
      const r = await call(reason, await sign(claims, kid));
      expect(r.status).toBe(401);
      expect(r.body).toBe('{ "statusCode": 401, "message": "Invalid JWT." }');
      expect(r.headers['x-reason']).toBe(`validate-azure-ad-token/${why}`);
    }
    const hs = await new SignJWT(v1()).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.alloc(32, 1));
    expect((await call(reason, hs)).headers['x-reason']).toBe('validate-azure-ad-token/TokenSignatureInvalid');
  });

  it('audiences and backend-application-ids (bare or api:// form), required-claims, custom status and message', async () => {
    const tok = await sign(v1());
    expect((await call(policy('', `<backend-application-ids><application-id>${BACKEND}</application-id></backend-application-ids>`), tok)).status).toBe(200);
    expect((await call(policy('', '<audiences><audience>api://someone-else</audience></audiences>'), tok)).status).toBe(401);
    expect((await call(policy('', `<audiences><audience>api://${BACKEND}</audience></audiences>`), tok)).status).toBe(200);
    const claims = (v: string) => `<required-claims><claim name="roles" match="any"><value>${v}</value></claim></required-claims>`;
    expect((await call(policy('', claims('Reader')), tok)).status).toBe(200);
    const custom = await call(policy('failed-validation-httpcode="403" failed-validation-error-message="Not for you"', claims('Admin')), tok);
    expect(custom.status).toBe(403);
    expect(custom.body).toBe('{ "statusCode": 403, "message": "Not for you" }');
  });

  it('compile errors: no tenant-id, no client-application-ids, two token sources, an unknown child, a certificate-id decryption key with text, outside inbound', async () => {
    const run = (xml: string) => call(inbound(xml));
    const apps = `<client-application-ids><application-id>${CLIENT}</application-id></client-application-ids>`;
    await expect(run(`<validate-azure-ad-token>${apps}</validate-azure-ad-token>`)).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(`<validate-azure-ad-token tenant-id="${TID}"/>`)).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_STRUCTURE' });
    await expect(run(`<validate-azure-ad-token tenant-id="${TID}" header-name="a" token-value="b">${apps}</validate-azure-ad-token>`)).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(`<validate-azure-ad-token tenant-id="${TID}">${apps}<issuers/></validate-azure-ad-token>`)).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_UNKNOWN_ELEMENT' });
    await expect(run(`<validate-azure-ad-token tenant-id="${TID}">${apps}<decryption-keys><key certificate-id="c">AAAA</key></decryption-keys></validate-azure-ad-token>`)).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(`<validate-azure-ad-token tenant-id="${TID}">${apps}<decryption-keys><key n="a" e="AQAB" /></decryption-keys></validate-azure-ad-token>`)).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_UNSUPPORTED' });
    await expect(call(`<policies><inbound/><outbound><validate-azure-ad-token tenant-id="${TID}">${apps}</validate-azure-ad-token></outbound></policies>`)).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_SECTION' });
  });

  it('client-application-ids is optional when audiences restrict the token: any client of the tenant for that audience passes', async () => {
    const byAudience = inbound(`<validate-azure-ad-token tenant-id="${TID}"><audiences><audience>api://${BACKEND}</audience></audiences></validate-azure-ad-token>`);
    expect((await call(byAudience, await sign({ ...v1(), appid: 'aaaaaaaa-0000-4000-8000-000000000000' }))).status).toBe(200);
    const other = await call(byAudience, await sign({ ...v1(), aud: 'api://another' }));
    expect(other.status).toBe(401);
    expect(other.body).toBe('{ "statusCode": 401, "message": "Invalid JWT." }');
    const byBackend = inbound(`<validate-azure-ad-token tenant-id="${TID}"><backend-application-ids><application-id>${BACKEND}</application-id></backend-application-ids></validate-azure-ad-token>`);
    expect((await call(byBackend, await sign(v1()))).status).toBe(200);
    // neither clients nor audiences: refused with the three elements named
    await expect(call(inbound(`<validate-azure-ad-token tenant-id="${TID}"><required-claims><claim name="roles"><value>Reader</value></claim></required-claims></validate-azure-ad-token>`)))
      .rejects.toMatchObject({ code: 'ERR_APIM_POLICY_STRUCTURE', message: expect.stringContaining('<client-application-ids> or <audiences>') });
  });

  it('<decryption-keys>: an encrypted token is decrypted first, then validated; no key opens it: 401', async () => {
    const key = Buffer.alloc(32, 3);
    const jwe = async (k: Buffer) => new CompactEncrypt(Buffer.from(await sign(v1()))).setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM', cty: 'JWT' }).encrypt(k);
    const p = policy('', `<decryption-keys><key>${key.toString('base64')}</key></decryption-keys>`);
    expect((await call(p, await jwe(key))).status).toBe(200);
    const bad = await call(p, await jwe(Buffer.alloc(32, 4)));
    expect(bad.status).toBe(401);
    expect(bad.body).toBe('{ "statusCode": 401, "message": "Invalid JWT." }');
  });
});
