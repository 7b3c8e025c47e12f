/**
 * Real Microsoft clients against `trustline up --directory`: msal-node (client credentials, authorization code
 * + PKCE through the sign-in form, ManagedIdentityApplication) and @azure/identity ClientCertificateCredential,
 * each in its own process; their tokens open the site.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetch as undiciFetch } from 'undici';
import { createSigningCertificate } from '../../src/core/index.js';
import { APP_CLIENT_ID, TENANT, useRunningSeed } from '../helpers/seed.js';
import { runClient } from './clients/run-client.js';

const WEB = 'b0b0b0b0-0000-4000-8000-0000000000a1';
const CERT_CLIENT = 'b0b0b0b0-0000-4000-8000-0000000000a2';
const cert = await createSigningCertificate('ci-cert', new Date());
const dir = mkdtempSync(join(tmpdir(), 'trustline-clients-'));
const directoryFile = join(dir, 'directory.json');
writeFileSync(
  directoryFile,
  JSON.stringify({
    applications: [
      { displayName: 'web-client', appId: WEB, passwordCredentials: [{ secretText: 'web-secret-value' }], redirectUris: ['http://localhost/redirect'] },
      { displayName: 'cert-client', appId: CERT_CLIENT, keyCredentials: [{ certificate: cert.cert }] },
      // The seed function's registration, declared so that it has an app role and a delegated scope.
      { displayName: 'trustline-func', appId: APP_CLIENT_ID, identifierUris: [`api://${APP_CLIENT_ID}`], appRoles: [{ value: 'Invoke' }], oauth2PermissionScopes: [{ value: 'user_impersonation' }], redirectUris: ['https://trustline-func.azurewebsites.net/.auth/login/aad/callback'] },
    ],
    users: [{ userPrincipalName: 'alice@contoso.test', displayName: 'Alice', password: 'alice-pw' }],
    appRoleAssignments: [{ principal: 'alice@contoso.test', resource: 'trustline-func', role: 'Invoke' }, { principal: 'cert-client', resource: 'trustline-func', role: 'Invoke' }],
  }),
);

describe('msal-node and ClientCertificateCredential against the twin', () => {
  const seed = useRunningSeed('trustline-clients-', ['--in-memory', '--directory', directoryFile]);
  const opensSite = async (token: string) => {
    const res = await undiciFetch(`${seed.ready.sites['trustline-func']!.url}/api/hello`, { headers: { authorization: `Bearer ${token}` }, dispatcher: seed.tls });
    const text = await res.text();
    const body = (res.status === 200 ? JSON.parse(text) : {}) as { headers?: Record<string, string> };
    return { status: res.status, principalName: body.headers?.['x-ms-client-principal-name'] };
  };
  type Out = { token?: string; claims?: Record<string, unknown>; error?: string; [k: string]: unknown };

  it('ConfidentialClientApplication.acquireTokenByClientCredential', async () => {
    const r = await runClient<Out>('msal-node.mjs', { MODE: 'client-credential', AUTHORITY: seed.ready.identity.authority, CLIENT_ID: WEB, CLIENT_SECRET: 'web-secret-value', SCOPE: `${APP_CLIENT_ID}/.default` }, seed.ready.caCertificate);
    expect(r.error).toBeUndefined();
    expect(r.claims).toMatchObject({ aud: APP_CLIENT_ID, appid: WEB, appidacr: '1', idtyp: 'app', tid: TENANT });
    expect((await opensSite(r.token!)).status).toBe(200);
  });

  it('authorization code + PKCE through the sign-in form: a user token that opens the site with the user\'s principal', async () => {
    const r = await runClient<Out>(
      'msal-node.mjs',
      { MODE: 'auth-code', AUTHORITY: seed.ready.identity.authority, CLIENT_ID: WEB, CLIENT_SECRET: 'web-secret-value', SCOPE: `${APP_CLIENT_ID}/user_impersonation`, USERNAME: 'alice@contoso.test', PASSWORD: 'alice-pw' },
      seed.ready.caCertificate,
    );
    expect(r.error).toBeUndefined();
    expect(r.prefilled).toBe('alice@contoso.test');
    expect(r.state).toBe('st-1');
    expect(r.account).toBe('alice@contoso.test');
    expect(r.claims).toMatchObject({ aud: APP_CLIENT_ID, appid: WEB, upn: 'alice@contoso.test', scp: 'user_impersonation', roles: ['Invoke'], ver: '1.0' });
    expect(r.idClaims).toMatchObject({ aud: WEB, preferred_username: 'alice@contoso.test' });
    expect(await opensSite(r.token!)).toEqual({ status: 200, principalName: 'alice@contoso.test' });
  });

  it('ManagedIdentityApplication (App Service source)', async () => {
    const apim = seed.ready.apim['trustline-apim']!;
    const r = await runClient<Out>('msal-node.mjs', { MODE: 'managed-identity', RESOURCE: APP_CLIENT_ID, IDENTITY_ENDPOINT: apim.identityEndpoint!, IDENTITY_HEADER: seed.ready.identity.identityHeader }, seed.ready.caCertificate);
    expect(r.error).toBeUndefined();
    expect(r.source).toBe('AppService');
    expect(r.claims).toMatchObject({ aud: APP_CLIENT_ID, appid: apim.clientId, oid: apim.principalId });
    expect((await opensSite(r.token!)).status).toBe(200);
  });

  it('@azure/identity ClientCertificateCredential', async () => {
    const r = await runClient<Out>(
      'client-certificate-credential.mjs',
      { AUTHORITY_HOST: new URL(seed.ready.identity.authority).origin, TENANT, CLIENT_ID: CERT_CLIENT, CERT_PEM: cert.key + '\n' + cert.cert, SCOPE: `${APP_CLIENT_ID}/.default` },
      seed.ready.caCertificate,
    );
    expect(r.error).toBeUndefined();
    const claims = JSON.parse(Buffer.from(r.token!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: APP_CLIENT_ID, appid: CERT_CLIENT, appidacr: '2', roles: ['Invoke'] });
    expect((await opensSite(r.token!)).status).toBe(200);
  });
});
