// Issue 8 guards on the identity listener: DNS rebinding (Host must be the listener's), and what IMDS,
// which has no secret, hands out to a local process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { APIM_ID, APIM_MI, FN_APP, IDENTITY_SECRET, TENANT_ID, UAMI, decodeJwt, getWithHost, startTwin, type Twin } from './helpers/fixtures.js';

let twin: Twin;
let port: string;
beforeAll(async () => {
  twin = await startTwin({ clock: new ManualClock(), imdsIdentities: [UAMI.displayName] });
  port = new URL(twin.origin).port;
});
afterAll(async () => {
  await twin.close();
});

const IMDS = (q: string) => `/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${FN_APP.appId}${q}`;
const MSI = `/msi/token?api-version=2019-08-01&resource=${FN_APP.appId}`;

describe('DNS-rebinding guard: only requests addressed to this listener', () => {
  it.each([
    ['a rebound foreign name', () => `evil.example:${port}`],
    ['a foreign name without port', () => 'evil.example'],
    ['loopback with another port', () => `127.0.0.1:${Number(port) + 1}`],
    ['an Azure name on a non-default port', () => 'login.microsoftonline.com:8080'],
  ])('%s → 400 before any route runs (no token, no metadata)', async (_n, host) => {
    for (const path of [IMDS(''), MSI, `/${TENANT_ID}/v2.0/.well-known/openid-configuration`]) {
      const r = await getWithHost(twin.origin, path, host(), { Metadata: 'true', 'X-IDENTITY-HEADER': IDENTITY_SECRET });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ error: 'invalid_request', error_description: 'Bad Request - Invalid Hostname' });
    }
  });

  it.each([['127.0.0.1'], ['localhost'], ['login.microsoftonline.com'], ['sts.windows.net'], ['169.254.169.254']])('%s is served', async (name) => {
    const host = name.includes('.') && !name.startsWith('127') ? name : `${name}:${port}`;
    const r = await getWithHost(twin.origin, `/${TENANT_ID}/discovery/keys`, host);
    expect(r.status).toBe(200);
  });
});

describe('IMDS: no secret, so only the identities attached to it', () => {
  it('an attached identity is served by selector; with no selector the only attached one answers', async () => {
    const host = `127.0.0.1:${port}`;
    const byId = await getWithHost(twin.origin, IMDS(`&client_id=${UAMI.appId}`), host, { Metadata: 'true' });
    expect(byId.status).toBe(200);
    const none = await getWithHost(twin.origin, IMDS(''), host, { Metadata: 'true' });
    expect(none.status).toBe(200);
    expect(decodeJwt((none.body as { access_token: string }).access_token).payload.appid).toBe(UAMI.appId);
  });

  it('an identity not attached to IMDS (APIM\'s) is "Identity not found" by any selector, even the owner header', async () => {
    const host = `127.0.0.1:${port}`;
    for (const q of [`&client_id=${APIM_MI.appId}`, `&object_id=${APIM_MI.objectId}`, `&msi_res_id=${encodeURIComponent(APIM_ID)}`]) {
      const r = await getWithHost(twin.origin, IMDS(q), host, { Metadata: 'true' });
      expect(r).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'Identity not found' } });
    }
    const owner = await getWithHost(twin.origin, IMDS(''), host, { Metadata: 'true', 'X-Trustline-Identity-Owner': APIM_ID });
    expect(owner.status).toBe(400);
    // The App Service endpoint, which needs IDENTITY_HEADER, still serves it.
    const msi = await getWithHost(twin.origin, `${MSI}&client_id=${APIM_MI.appId}`, host, { 'X-IDENTITY-HEADER': IDENTITY_SECRET });
    expect(msi.status).toBe(200);
  });

  it('by default (no imdsIdentities) IMDS hands out nothing', async () => {
    const other = await startTwin({ clock: new ManualClock(), imdsIdentities: [] });
    try {
      const r = await getWithHost(other.origin, IMDS(''), `127.0.0.1:${new URL(other.origin).port}`, { Metadata: 'true' });
      expect(r).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'Identity not found' } });
    } finally {
      await other.close();
    }
  });

  it('a request that went through a proxy (X-Forwarded-For) is refused, as Azure IMDS does', async () => {
    const r = await getWithHost(twin.origin, IMDS(''), `127.0.0.1:${port}`, { Metadata: 'true', 'X-Forwarded-For': '10.0.0.1' });
    expect(r).toEqual({ status: 400, body: { error: 'bad_request', error_description: 'Request contains X-Forwarded-For header' } });
  });
});

describe('instance discovery (/common/discovery/instance, asked by MSAL Python / the az CLI)', () => {
  it('answers the public cloud aliases for a Microsoft login host, the listener itself for loopback, AADSTS50049 otherwise', async () => {
    const q = (endpoint: string) => `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(endpoint)}`;
    const ms = await getWithHost(twin.origin, q(`https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/authorize`), 'login.microsoftonline.com');
    expect(ms.status).toBe(200);
    const body = ms.body as { tenant_discovery_endpoint: string; 'api-version': string; metadata: Array<{ aliases: string[] }> };
    expect(body.tenant_discovery_endpoint).toBe(`https://login.microsoftonline.com/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
    expect(body['api-version']).toBe('1.1');
    expect(body.metadata[0]!.aliases).toEqual(['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net']);
    const local = await getWithHost(twin.origin, q(`${twin.origin}/${TENANT_ID}/oauth2/authorize`), `127.0.0.1:${port}`);
    expect((local.body as { tenant_discovery_endpoint: string }).tenant_discovery_endpoint).toBe(`${twin.origin}/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
    const foreign = await getWithHost(twin.origin, q(`https://idp.example/${TENANT_ID}/oauth2/v2.0/authorize`), `127.0.0.1:${port}`);
    expect(foreign).toEqual({ status: 400, body: { error: 'invalid_instance', error_description: 'AADSTS50049: Unknown or invalid instance.', error_codes: [50049] } });
  });
});
