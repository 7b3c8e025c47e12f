// In-process issuance: exact claims (v1/v2), resource resolution, caching, options and key validation, logging.
import { describe, expect, it } from 'vitest';
import { createSigningCertificate, isTwinError, ManualClock, memoryLogger, sequentialIds, silentLogger } from '../../src/core/index.js';
import { createIdentityService } from '../../src/identity/index.js';
import { createFakeStore } from './helpers/fake-store.js';
import { APIM_ID, APIM_MI, FN_APP, IDENTITY_SECRET, TENANT_ID, UAMI, V2_APP, decodeJwt } from './helpers/fixtures.js';

const START = Date.UTC(2026, 10, 29, 12, 0, 0);
const NOW = START / 1000;

async function service(extra: { lifetime?: number; cache?: number; logger?: ReturnType<typeof memoryLogger> } = {}) {
  const store = createFakeStore({ directory: [APIM_MI, UAMI, FN_APP, V2_APP] });
  const clock = new ManualClock(START);
  const svc = await createIdentityService({
    store,
    clock,
    ids: sequentialIds('eeeeeeee'),
    logger: extra.logger ?? silentLogger,
    tenantId: TENANT_ID,
    identityHeader: IDENTITY_SECRET,
    ...(extra.lifetime === undefined ? {} : { tokenLifetimeSeconds: extra.lifetime }),
    ...(extra.cache === undefined ? {} : { tokenCacheSeconds: extra.cache }),
  });
  return { svc, store, clock };
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string; details: unknown }> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!isTwinError(e)) throw new Error(`expected a TwinError, got ${String(e)}`);
  return { code: e.code, message: e.message, details: e.details };
}

describe('issueManagedIdentityToken', () => {
  it('v1 token: exact header and claims', async () => {
    const { svc } = await service();
    const r = await svc.issueManagedIdentityToken({ resource: `api://${FN_APP.appId}/` });
    const kid = svc.jwks().keys[0]!.kid;
    expect(r).toMatchObject({ expires_on: String(NOW + 86400), not_before: String(NOW - 300), resource: `api://${FN_APP.appId}/`, token_type: 'Bearer', client_id: APIM_MI.appId });
    const { header, payload } = decodeJwt(r.access_token);
    expect(header).toEqual({ typ: 'JWT', alg: 'RS256', x5t: kid, kid });
    expect(Object.keys(payload)).toEqual(['aud', 'iss', 'iat', 'nbf', 'exp', 'aio', 'appid', 'appidacr', 'idp', 'idtyp', 'oid', 'rh', 'sub', 'tid', 'uti', 'ver', 'xms_mirid', 'xms_tcdt']);
    expect(payload).toEqual({
      aud: `api://${FN_APP.appId}/`,
      iss: `https://sts.windows.net/${TENANT_ID}/`,
      iat: NOW - 300,
      nbf: NOW - 300,
      exp: NOW + 86400,
      aio: payload.aio,
      appid: APIM_MI.appId,
      appidacr: '2',
      idp: `https://sts.windows.net/${TENANT_ID}/`,
      idtyp: 'app',
      oid: APIM_MI.objectId,
      rh: payload.rh,
      sub: APIM_MI.objectId,
      tid: TENANT_ID,
      uti: payload.uti,
      ver: '1.0',
      xms_mirid: APIM_ID,
      xms_tcdt: 1600000000,
    });
    expect(payload.uti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(payload.aio).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(payload.rh).toMatch(/^0\.[A-Za-z0-9_-]+\.$/);
  });

  it('v2 token for a v2 app: aud = client id whatever form was requested, azp/azpacr, no idp, no x5t', async () => {
    const { svc } = await service({ lifetime: 3600 });
    for (const resource of [V2_APP.appId, 'api://orders.contoso.test', 'API://ORDERS.CONTOSO.TEST/']) {
      const r = await svc.issueManagedIdentityToken({ resource, clientId: UAMI.appId });
      const { header, payload } = decodeJwt(r.access_token);
      expect(header).toEqual({ typ: 'JWT', alg: 'RS256', kid: svc.jwks().keys[0]!.kid });
      expect(Object.keys(payload)).toEqual(['aud', 'iss', 'iat', 'nbf', 'exp', 'aio', 'azp', 'azpacr', 'idtyp', 'oid', 'rh', 'sub', 'tid', 'uti', 'ver', 'xms_mirid', 'xms_tcdt']);
      expect(payload).toMatchObject({ aud: V2_APP.appId, iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`, azp: UAMI.appId, azpacr: '2', ver: '2.0', exp: NOW + 3600, xms_mirid: UAMI.resourceId });
      expect(r.resource).toBe(resource);
    }
  });

  it('well-known Azure resources are v1 with aud exactly as requested', async () => {
    const { svc } = await service();
    for (const resource of ['https://management.azure.com', 'https://management.azure.com/', 'https://vault.azure.net/', 'https://storage.azure.com', 'https://graph.microsoft.com']) {
      expect(decodeJwt((await svc.issueManagedIdentityToken({ resource })).access_token).payload).toMatchObject({ aud: resource, ver: '1.0' });
    }
  });

  it('unknown resource → ERR_IDENTITY_RESOURCE_NOT_FOUND with AADSTS500011; selector errors', async () => {
    const { svc } = await service();
    expect(await rejection(svc.issueManagedIdentityToken({ resource: 'https://example.com' }))).toEqual({
      code: 'ERR_IDENTITY_RESOURCE_NOT_FOUND',
      message: expect.stringMatching(/^AADSTS500011: The resource principal named https:\/\/example\.com was not found in the tenant named 11111111-2222-3333-4444-555555555555\. /),
      details: { aadsts: 500011, resource: 'https://example.com', tenantId: TENANT_ID },
    });
    expect((await rejection(svc.issueManagedIdentityToken({ resource: '' }))).code).toBe('ERR_IDENTITY_RESOURCE_MISSING');
    expect((await rejection(svc.issueManagedIdentityToken({ resource: FN_APP.appId, clientId: UAMI.appId, objectId: UAMI.objectId }))).code).toBe('ERR_IDENTITY_SELECTOR_CONFLICT');
    expect((await rejection(svc.issueManagedIdentityToken({ resource: FN_APP.appId, clientId: FN_APP.appId }))).code).toBe('ERR_IDENTITY_MI_NOT_FOUND');
    expect((await rejection(svc.issueManagedIdentityToken({ resource: FN_APP.appId, ownerResourceId: UAMI.resourceId! }))).code).toBe('ERR_IDENTITY_MI_NOT_FOUND');
  });

  it('caches per identity + resource; a directory change or the cache window ends reuse', async () => {
    const { svc, store, clock } = await service();
    const a = await svc.issueManagedIdentityToken({ resource: FN_APP.appId });
    clock.advance(3600_000);
    const b = await svc.issueManagedIdentityToken({ resource: FN_APP.appId });
    expect(b.access_token).toBe(a.access_token);
    expect(b.expires_on).toBe(String(NOW + 86400));
    const other = await svc.issueManagedIdentityToken({ resource: FN_APP.appId, clientId: UAMI.appId });
    expect(other.access_token).not.toBe(a.access_token);

    store.transaction((tx) => tx.putDirectoryObject({ ...FN_APP, accessTokenAcceptedVersion: 2 }));
    const c = await svc.issueManagedIdentityToken({ resource: FN_APP.appId });
    expect(decodeJwt(c.access_token).payload.ver).toBe('2.0');

    clock.advance(8 * 3600_000);
    const d = await svc.issueManagedIdentityToken({ resource: FN_APP.appId });
    expect(d.access_token).not.toBe(c.access_token);
    expect(d.expires_on).toBe(String(NOW + 9 * 3600 + 86400));

    const nocache = (await service({ cache: 0 })).svc;
    const x = await nocache.issueManagedIdentityToken({ resource: FN_APP.appId });
    const y = await nocache.issueManagedIdentityToken({ resource: FN_APP.appId });
    expect(x.access_token).not.toBe(y.access_token);
  });

  it('never logs tokens or the identity header', async () => {
    const logger = memoryLogger();
    const { svc } = await service({ logger });
    const t = await svc.issueManagedIdentityToken({ resource: FN_APP.appId });
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.lines.join('\n')).not.toContain(t.access_token.split('.')[2]!);
    expect(logger.lines.join('\n')).not.toContain(IDENTITY_SECRET);
  });
});

describe('createIdentityService options', () => {
  const base = { store: createFakeStore(), clock: new ManualClock(START), ids: sequentialIds(), logger: silentLogger, tenantId: TENANT_ID, identityHeader: 's' };

  it('rejects bad options with ERR_IDENTITY_OPTIONS_INVALID', async () => {
    expect((await rejection(createIdentityService({ ...base, tenantId: 'contoso' }))).message).toBe("tenantId must be a GUID (got 'contoso').");
    expect((await rejection(createIdentityService({ ...base, identityHeader: '' }))).code).toBe('ERR_IDENTITY_OPTIONS_INVALID');
    expect((await rejection(createIdentityService({ ...base, tokenLifetimeSeconds: 10 }))).code).toBe('ERR_IDENTITY_OPTIONS_INVALID');
  });

  it('uses a given signing key (kid = its thumbprint) and rejects a mismatched or invalid one', async () => {
    const one = await createSigningCertificate('one');
    const two = await createSigningCertificate('two');
    const svc = await createIdentityService({ ...base, signingKey: one });
    expect(svc.signingKey).toEqual(one);
    expect((await rejection(createIdentityService({ ...base, signingKey: { cert: one.cert, key: two.key } }))).message).toBe(
      'The signing key does not match the signing certificate.',
    );
    expect((await rejection(createIdentityService({ ...base, signingKey: { cert: 'nope', key: 'nope' } }))).code).toBe('ERR_IDENTITY_SIGNING_KEY_INVALID');
  });
});
