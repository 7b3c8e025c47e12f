// Workload identity federation at the token endpoint: a managed identity's token for api://AzureADTokenExchange (or a
// loopback OIDC issuer's token) redeemed as an app's client_assertion against its federated identity credentials, and
// Entra's refusals (AADSTS700211/700213/700212/700226/700024/50166/7000272) over raw HTTP.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { ManualClock } from '../../src/core/index.js';
import { IDENTITY_SECRET, TENANT_ID, UAMI, APIM_MI, decodeJwt, get, startTwin, type Twin } from './helpers/fixtures.js';

const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0) / 1000;
const FIC_APP = '7a7a7a7a-1111-4222-8333-444455556666';
const CALLER = '7b7b7b7b-1111-4222-8333-444455556666';
const EXCHANGE_APP = 'fb60f99c-7a34-4190-8149-302f77469936';
const V2_ISSUER = `https://login.microsoftonline.com/${TENANT_ID}/v2.0`;
const GITHUB_SUBJECT = 'repo:contoso/orders:ref:refs/heads/main';
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let twin: Twin;
let oidc: Server;
let oidcIssuer: string;
let oidcKey: PrivateKey;
let callerSp: string;
let ficSp: string;

beforeAll(async () => {
  // A local OIDC issuer (a CI system's token service): discovery + JWKS on a loopback port.
  const pair = await generateKeyPair('RS256');
  oidcKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'ci-key-1', use: 'sig', alg: 'RS256' };
  oidc = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer: oidcIssuer, jwks_uri: `${oidcIssuer}/keys` }));
    else if (req.url === '/keys') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => oidc.listen(0, '127.0.0.1', resolve));
  oidcIssuer = `http://127.0.0.1:${(oidc.address() as AddressInfo).port}`;

  twin = await startTwin({ clock });
  const objects = twin.service.applyDirectory({
    doc: {
      applications: [
        { displayName: 'caller', appId: CALLER, passwordCredentials: [{ secretText: 'caller-secret' }] },
        {
          displayName: 'federated',
          appId: FIC_APP,
          federatedIdentityCredentials: [
            { name: 'uami', issuer: V2_ISSUER, subject: UAMI.objectId },
            { name: 'ci', issuer: oidcIssuer, subject: GITHUB_SUBJECT, audiences: ['api://AzureADTokenExchange'] },
            { name: 'github', issuer: 'https://token.actions.githubusercontent.com', subject: GITHUB_SUBJECT },
          ],
        },
        { displayName: 'orders-api', identifierUris: ['api://orders'], appRoles: [{ value: 'Orders.Read' }] },
      ],
      appRoleAssignments: [{ principal: 'federated', resource: 'orders-api', role: 'Orders.Read' }],
    },
  });
  callerSp = objects.find((o) => o.appId === CALLER)!.servicePrincipalId!;
  ficSp = objects.find((o) => o.appId === FIC_APP)!.servicePrincipalId!;
});
afterAll(async () => {
  await twin?.close();
  oidc?.closeAllConnections();
  await new Promise((r) => oidc?.close(r));
});

async function miExchangeToken(clientId: string): Promise<string> {
  const r = await get(twin.origin, `/msi/token?api-version=2019-08-01&resource=api://AzureADTokenExchange&client_id=${clientId}`, { 'X-IDENTITY-HEADER': IDENTITY_SECRET });
  expect(r.status).toBe(200);
  return (r.body as { access_token: string }).access_token;
}

async function redeem(assertion: string, scope = 'api://orders/.default', clientId = FIC_APP): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${twin.origin}/${TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, scope, client_assertion_type: JWT_BEARER, client_assertion: assertion }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function expectRefusal(r: { status: number; body: Record<string, unknown> }, status: number, error: string, code: number, text: string): void {
  expect(r.status).toBe(status);
  expect(r.body.error).toBe(error);
  expect(r.body.error_codes).toEqual([code]);
  expect(String(r.body.error_description)).toContain(`AADSTS${code}: ${text}`);
}

const ciToken = (claims: Record<string, unknown>, key: PrivateKey = oidcKey, kid = 'ci-key-1') =>
  new SignJWT({ sub: GITHUB_SUBJECT, aud: 'api://AzureADTokenExchange', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(oidcIssuer)
    .setIssuedAt(NOW - 60)
    .setNotBefore(NOW - 60)
    .setExpirationTime(NOW + 600)
    .sign(key);

describe('a managed identity token for api://AzureADTokenExchange', () => {
  it('is a v2 token with aud = the exchange app id, iss v2, sub = oid = the identity principal', async () => {
    const { header, payload } = decodeJwt(await miExchangeToken(UAMI.appId));
    expect(header).not.toHaveProperty('x5t');
    expect(payload).toMatchObject({ aud: EXCHANGE_APP, iss: V2_ISSUER, azp: UAMI.appId, azpacr: '2', idtyp: 'app', oid: UAMI.objectId, sub: UAMI.objectId, tid: TENANT_ID, ver: '2.0' });
  });

  it('the app id form of the resource gives the same audience', async () => {
    const r = await get(twin.origin, `/msi/token?api-version=2019-08-01&resource=${EXCHANGE_APP}&client_id=${UAMI.appId}`, { 'X-IDENTITY-HEADER': IDENTITY_SECRET });
    expect(decodeJwt((r.body as { access_token: string }).access_token).payload.aud).toBe(EXCHANGE_APP);
  });
});

describe('redeemed as the client assertion of an app with a matching federated identity credential', () => {
  it('gives an app token for the app: appid/azp = the app, oid = its service principal, roles assigned to it', async () => {
    const r = await redeem(await miExchangeToken(UAMI.appId));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const { payload } = decodeJwt(String(r.body.access_token));
    expect(payload).toMatchObject({ aud: 'api://orders', iss: `https://sts.windows.net/${TENANT_ID}/`, appid: FIC_APP, appidacr: '2', idtyp: 'app', oid: ficSp, sub: ficSp, roles: ['Orders.Read'], tid: TENANT_ID });
    expect(payload).not.toHaveProperty('xms_mirid');
  });

  it('a loopback OIDC issuer: keys from its discovery document', async () => {
    const r = await redeem(await ciToken({}));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(decodeJwt(String(r.body.access_token)).payload).toMatchObject({ appid: FIC_APP, oid: ficSp });
  });
});

describe('refusals, as Entra words them', () => {
  it('another identity (subject mismatch) → 401 AADSTS700213', async () => {
    expectRefusal(await redeem(await miExchangeToken(APIM_MI.appId)), 401, 'invalid_client', 700213, `No matching federated identity record found for presented assertion subject '${APIM_MI.objectId}'. Check your federated identity credential Subject, Audience and Issuer`);
  });

  it('an issuer no credential names → AADSTS700211', async () => {
    const other = await new SignJWT({ sub: GITHUB_SUBJECT, aud: 'api://AzureADTokenExchange' }).setProtectedHeader({ alg: 'RS256', kid: 'ci-key-1' }).setIssuer('https://issuer.example.test').setExpirationTime(NOW + 600).sign(oidcKey);
    expectRefusal(await redeem(other), 401, 'invalid_client', 700211, "No matching federated identity record found for presented assertion issuer 'https://issuer.example.test'.");
  });

  it('a token for another audience → AADSTS700212', async () => {
    const ci = await ciToken({ aud: 'https://management.azure.com' });
    expectRefusal(await redeem(ci), 401, 'invalid_client', 700212, "No matching federated identity record found for presented assertion audience 'https://management.azure.com'.");
  });

  it('an app registration\'s Entra token (not a managed identity) → AADSTS700226', async () => {
    const res = await fetch(`${twin.origin}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CALLER, client_secret: 'caller-secret', scope: 'api://AzureADTokenExchange/.default' }) });
    const appToken = String(((await res.json()) as { access_token: string }).access_token);
    expect(decodeJwt(appToken).payload).toMatchObject({ aud: EXCHANGE_APP, sub: callerSp });
    // Issuer, subject and audience all match a credential naming the caller's service principal: still refused.
    const fed2 = twin.service.applyDirectory({ doc: { applications: [{ displayName: 'federated-2', federatedIdentityCredentials: [{ name: 'sp', issuer: V2_ISSUER, subject: callerSp }] }] } }).find((o) => o.kind === 'application')!.appId;
    expectRefusal(await redeem(appToken, 'api://orders/.default', fed2), 401, 'invalid_client', 700226, 'Only MSI tokens may be used as Federated Identity Credentials for AAD issuer.');
  });

  it('an expired assertion → AADSTS700024 with the times', async () => {
    const old = await new SignJWT({ sub: GITHUB_SUBJECT, aud: 'api://AzureADTokenExchange' }).setProtectedHeader({ alg: 'RS256', kid: 'ci-key-1' }).setIssuer(oidcIssuer).setNotBefore(NOW - 4000).setExpirationTime(NOW - 3600).sign(oidcKey);
    expectRefusal(await redeem(old), 401, 'invalid_client', 700024, 'Client assertion is not within its valid time range. Current time: 2026-11-29T12:00:00.0000000Z, assertion valid from 2026-11-29T10:53:20.0000000Z, expiry time of assertion 2026-11-29T11:00:00.0000000Z.');
  });

  it('a signature by a key the issuer does not publish → AADSTS7000272; a bad signature → AADSTS700027', async () => {
    const stranger = (await generateKeyPair('RS256')).privateKey;
    expectRefusal(await redeem(await ciToken({}, stranger, 'ci-key-2')), 401, 'invalid_client', 7000272, `The certificate with identifier ci-key-2 used to sign the federated credential could not be found in the metadata of identity provider ${oidcIssuer}.`);
    expectRefusal(await redeem(await ciToken({}, stranger)), 401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
    const mi = await miExchangeToken(UAMI.appId);
    const [h, p] = mi.split('.');
    expectRefusal(await redeem(`${h}.${p}.${Buffer.from('forged').toString('base64url')}`), 401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
  });

  it('an issuer outside this machine cannot be reached offline → 400 AADSTS50166', async () => {
    const gh = await new SignJWT({ sub: GITHUB_SUBJECT, aud: 'api://AzureADTokenExchange' }).setProtectedHeader({ alg: 'RS256', kid: 'k' }).setIssuer('https://token.actions.githubusercontent.com').setExpirationTime(NOW + 600).sign(oidcKey);
    expectRefusal(await redeem(gh), 400, 'invalid_request', 50166, 'Request to External OIDC endpoint failed.');
  });
});
