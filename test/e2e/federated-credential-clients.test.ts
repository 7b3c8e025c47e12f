/**
 * Workload identity federation, end to end through `trustline up`: one template (Bicep's Microsoft Graph extension)
 * deploys a user-assigned identity, an app registration whose federated identity credential trusts that identity
 * (subject = its principalId), the function's registration, and a function whose Easy Auth allows only the federated
 * app. Real clients, each in its own process, turn the identity's token for api://AzureADTokenExchange into the app's
 * token (@azure/identity ClientAssertionCredential, msal-node clientAssertion, WorkloadIdentityCredential) and open the
 * site with it; an identity the credential does not name is refused with AADSTS700213.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch as undiciFetch } from 'undici';
import type { ReadyInfo } from '../../src/runtime/index.js';
import { directoryList } from '../../src/cli/commands/identity-admin.js';
import { functionWithEasyAuth } from '../arm/helpers/graph-template.js';
import { startCli, waitForReadyFile, type RunningCli } from '../helpers/cli-process.js';
import { runClient } from './clients/run-client.js';

const G = 'microsoftGraphV1';
const TENANT = '5e5e5e5e-0000-4000-8000-00000000f1c0';
const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  languageVersion: '2.0',
  contentVersion: '1.0.0.0',
  parameters: { tenantId: { type: 'string' } },
  extensions: { [G]: { name: 'MicrosoftGraph', version: '1.0.0' } },
  resources: {
    workload: { type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'fic-workload', location: 'westeurope' },
    other: { type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'fic-other', location: 'westeurope' },
    app: { extension: G, type: 'Microsoft.Graph/applications@v1.0', properties: { uniqueName: 'fic-api', displayName: 'FIC function API', identifierUris: ['api://fic-api'] } },
    sp: { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('app').appId]" }, dependsOn: ['app'] },
    client: { extension: G, type: 'Microsoft.Graph/applications@v1.0', properties: { uniqueName: 'fic-client', displayName: 'FIC client' } },
    clientSp: { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('client').appId]" }, dependsOn: ['client'] },
    fic: {
      extension: G,
      type: 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0',
      properties: {
        name: "[format('{0}/workload', reference('client').uniqueName)]",
        issuer: "[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, tenant().tenantId)]",
        subject: "[reference('workload').principalId]",
        audiences: ['api://AzureADTokenExchange'],
      },
      dependsOn: ['client', 'workload'],
    },
    ...functionWithEasyAuth({
      site: "['fic-fn']",
      plan: 'fic-plan',
      openIdIssuer: "[format('https://sts.windows.net/{0}/', tenant().tenantId)]",
      validation: { allowedAudiences: ['api://fic-api'], defaultAuthorizationPolicy: { allowedApplications: ["[reference('client').appId]"] } },
      authDependsOn: ['site', 'sp', 'client'],
    }),
  },
};

type DirectoryListing = {
  applications: Array<{ displayName: string; appId: string; servicePrincipalId?: string; federatedIdentityCredentials: Array<{ name: string; issuer: string; subject: string; audiences: string[] }> }>;
  managedIdentities: Array<{ displayName: string; clientId: string; principalId: string }>;
};
type Out = { token?: string; claims?: Record<string, unknown>; assertionClaims?: Record<string, unknown>; error?: string };

describe('federated identity credential trusting a managed identity, deployed from one template, real clients', () => {
  let dir: string;
  let cli: RunningCli;
  let ready: ReadyInfo;
  let tls: Agent;
  let listing: DirectoryListing;
  const workload = () => listing.managedIdentities.find((m) => m.displayName === 'fic-workload')!;
  const clientApp = () => listing.applications.find((a) => a.displayName === 'FIC client')!;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-fic-'));
    writeFileSync(join(dir, 'azuredeploy.json'), JSON.stringify(template));
    writeFileSync(join(dir, 'azuredeploy.parameters.json'), JSON.stringify({ parameters: { tenantId: { value: TENANT } } }));
    cli = startCli(['up', dir, '--in-memory', '--tenant', TENANT, '--state', join(dir, 'state'), '--ready-file', join(dir, 'ready.json'), '--log-level', 'warn']);
    ready = await waitForReadyFile<ReadyInfo>(join(dir, 'ready.json'), cli);
    tls = new Agent({ connect: { ca: readFileSync(ready.caCertificate, 'utf8') } });
    let text = '';
    expect(await directoryList({ readyFile: join(dir, 'ready.json'), json: true }, (l) => (text += l))).toBe(0);
    listing = JSON.parse(text) as DirectoryListing;
  }, 60_000);
  afterAll(async () => {
    await tls?.close();
    await cli?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const env = (mode: string, miClientId: string) => ({
    MODE: mode,
    AUTHORITY_HOST: new URL(ready.identity.authority).origin,
    TENANT,
    APP_ID: clientApp().appId,
    MI_CLIENT_ID: miClientId,
    SCOPE: 'api://fic-api/.default',
    IDENTITY_ENDPOINT: ready.identity.identityEndpoint,
    IDENTITY_HEADER: ready.identity.identityHeader,
    TOKEN_FILE: join(dir, 'federated-token'),
  });
  const opensSite = async (token: string) => {
    const res = await undiciFetch(`${ready.sites['fic-fn']!.url}/api/hello`, { headers: { authorization: `Bearer ${token}` }, dispatcher: tls });
    await res.text();
    return res.status;
  };

  it('the deployed credential names the identity: issuer v2, subject = its principalId', () => {
    expect(clientApp().federatedIdentityCredentials).toEqual([
      expect.objectContaining({ name: 'workload', issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, subject: workload().principalId, audiences: ['api://AzureADTokenExchange'] }),
    ]);
  });

  it('@azure/identity ClientAssertionCredential with a ManagedIdentityCredential assertion: the app\'s token opens the site', async () => {
    const r = await runClient<Out>('federated-credential.mjs', env('azure-identity', workload().clientId), ready.caCertificate);
    expect(r.error).toBeUndefined();
    expect(r.assertionClaims).toMatchObject({ aud: 'fb60f99c-7a34-4190-8149-302f77469936', iss: `https://login.microsoftonline.com/${TENANT}/v2.0`, sub: workload().principalId });
    expect(r.claims).toMatchObject({ aud: 'api://fic-api', appid: clientApp().appId, appidacr: '2', idtyp: 'app', oid: clientApp().servicePrincipalId, tid: TENANT });
    expect(await opensSite(r.token!)).toBe(200);
    // The identity's own token for the site is not the allowed application's: Easy Auth refuses it.
    const own = await runClient<Out>('azure-identity-mi.mjs', { CRED: 'mi', MI_OPTIONS: JSON.stringify({ clientId: workload().clientId }), SCOPE: 'api://fic-api/.default', IDENTITY_ENDPOINT: ready.identity.identityEndpoint, IDENTITY_HEADER: ready.identity.identityHeader }, ready.caCertificate);
    expect(own.claims).toMatchObject({ aud: 'api://fic-api', appid: workload().clientId });
    expect(await opensSite(own.token!)).toBe(403);
  });

  it('msal-node ConfidentialClientApplication with a clientAssertion callback', async () => {
    const r = await runClient<Out>('federated-credential.mjs', env('msal', workload().clientId), ready.caCertificate);
    expect(r.error).toBeUndefined();
    expect(r.claims).toMatchObject({ aud: 'api://fic-api', appid: clientApp().appId, oid: clientApp().servicePrincipalId });
    expect(await opensSite(r.token!)).toBe(200);
  });

  it('WorkloadIdentityCredential reading the assertion from a token file', async () => {
    const r = await runClient<Out>('federated-credential.mjs', env('workload', workload().clientId), ready.caCertificate);
    expect(r.error).toBeUndefined();
    expect(await opensSite(r.token!)).toBe(200);
  });

  it('an identity the credential does not name: the client surfaces AADSTS700213', async () => {
    const other = listing.managedIdentities.find((m) => m.displayName === 'fic-other')!;
    const r = await runClient<Out>('federated-credential.mjs', env('azure-identity', other.clientId), ready.caCertificate);
    expect(r.claims).toBeUndefined();
    expect(r.error).toMatch(new RegExp(`AADSTS700213: No matching federated identity record found for presented assertion subject '${other.principalId}'`));
  });
});
