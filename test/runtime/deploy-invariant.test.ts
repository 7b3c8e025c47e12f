/**
 * What deploys is what runs (issue 5): every format and type a provider accepts for the chain — policy formats
 * (xml, rawxml, xml-link, rawxml-link) at every scope (global, API, operation, product), fragments, named value kinds
 * (plain, secret, Key Vault), authsettingsV2 shapes — deployed through the running twin gives either a deployment
 * error naming the resource (and the twin keeps serving what it served before), or a gateway/site that serves it
 * with its effect visible. Never a clean deployment followed by a 503, and never a setting silently ignored.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import { isTwinError, randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { SEED } from '../helpers/seed.js';

const TENANT = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b20';
const CLIENT = '7c1d2a4e-3b7c-4d8e-9f01-2a3b4c5d6e20';
const SITE = 'inv-fn';
const APIM = 'inv-apim';
const API = "[resourceId('Microsoft.ApiManagement/service/apis', parameters('apimServiceName'), 'functions')]";
const SERVICE = "[resourceId('Microsoft.ApiManagement/service', parameters('apimServiceName'))]";

type Resource = { type: string; apiVersion?: string; name: string; properties: Record<string, any>; dependsOn?: string[]; location?: string };
type Template = { resources: Resource[]; outputs?: unknown };

const seed = (): Template => JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8')) as Template;
const find = (t: Template, type: string) => t.resources.find((r) => r.type === type)!;
const tail = '<backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>';
/** An API policy that calls the function with the managed identity's token and adds `inner` to inbound. */
const apiPolicy = (inner: string) => `<policies><inbound><base /><authentication-managed-identity resource="${CLIENT}" />${inner}</inbound>${tail}`;
const header = (name: string, value: string) => `<set-header name="${name}" exists-action="override"><value>${value}</value></set-header>`;
const child = (type: string, name: string, properties: Record<string, unknown>, dependsOn: string[] = [SERVICE]): Resource => ({
  type: `Microsoft.ApiManagement/service/${type}`, apiVersion: '2022-08-01', name: `[concat(parameters('apimServiceName'), '/${name}')]`, properties, dependsOn,
});

interface Variant {
  name: string;
  change(t: Template, dir: string): void;
  /** A deployment error whose message matches. */
  error?: RegExp;
  /** Else: the request (gateway path, or the site when `site` is set) and what it must show. */
  site?: string;
  /** The site (or `{site}-{slot}`) the `site` path is sent to; default the seed's site. */
  siteName?: string;
  key?: boolean;
  status?: number;
  headers?: Record<string, string>;
}

const setApiPolicy = (value: string, format = 'rawxml') => (t: Template) => {
  find(t, 'Microsoft.ApiManagement/service/apis/policies').properties = { format, value };
};
const setAuth = (props: Record<string, unknown>) => (t: Template) => {
  find(t, 'Microsoft.Web/sites/config').properties = props;
};
const aad = { enabled: true, registration: { openIdIssuer: `https://sts.windows.net/${TENANT}/`, clientId: CLIENT } };

const variants: Variant[] = [
  // Policy formats.
  { name: 'rawxml: expressions as written', change: setApiPolicy(apiPolicy(header('x-variant', '@("a<b" + "&c")'))), headers: { 'x-variant': 'a<b&c' } },
  { name: 'xml: expressions escaped as entities', change: setApiPolicy(apiPolicy(header('x-variant', '@(1 &lt; 2 ? &quot;lt&quot; : &quot;ge&quot;)')), 'xml'), headers: { 'x-variant': 'lt' } },
  {
    name: 'xml-link to a file',
    change: (t, dir) => {
      const file = join(dir, 'linked.xml');
      writeFileSync(file, apiPolicy(header('x-variant', '@(&quot;linked&quot;)')));
      setApiPolicy(pathToFileURL(file).href, 'xml-link')(t);
    },
    headers: { 'x-variant': 'linked' },
  },
  {
    name: 'rawxml-link to a file',
    change: (t, dir) => {
      const file = join(dir, 'linked-raw.xml');
      writeFileSync(file, apiPolicy(header('x-variant', '@("raw" + "linked")')));
      setApiPolicy(pathToFileURL(file).href, 'rawxml-link')(t);
    },
    headers: { 'x-variant': 'rawlinked' },
  },
  { name: 'xml-link over https (offline)', change: setApiPolicy('https://example.com/policy.xml', 'xml-link'), error: /cannot be fetched: the twin is offline/ },
  { name: 'xml-link to a missing file', change: (t, dir) => setApiPolicy(pathToFileURL(join(dir, 'missing.xml')).href, 'xml-link')(t), error: /cannot be read/ },
  { name: 'format json', change: setApiPolicy('{}', 'json'), error: /policy format 'json' is not supported/ },
  { name: 'a policy element the gateway does not know', change: setApiPolicy(apiPolicy('<no-such-policy />')), error: /apis\/policies|policy is not valid/ },
  { name: 'an expression that does not parse', change: setApiPolicy(apiPolicy(header('x-variant', '@(1 +)'))), error: /policy is not valid/ },

  // Entities a policy names by id.
  { name: 'set-backend-service backend-id of a missing backend', change: setApiPolicy(apiPolicy('<set-backend-service backend-id="nope" />')), error: /Error in element 'set-backend-service' on line 1, column \d+: Backend with id 'nope' could not be found/ },
  {
    name: 'set-backend-service backend-id of a deployed backend',
    change: (t) => {
      t.resources.push(child('backends', 'fn', { url: `https://${SITE}.azurewebsites.net/api`, protocol: 'http' }));
      setApiPolicy(apiPolicy(`<set-backend-service backend-id="fn" />${header('x-variant', 'backend')}`))(t);
      find(t, 'Microsoft.ApiManagement/service/apis/policies').dependsOn!.push("[resourceId('Microsoft.ApiManagement/service/backends', parameters('apimServiceName'), 'fn')]");
    },
    headers: { 'x-variant': 'backend' },
  },
  { name: 'log-to-eventhub logger-id of a missing logger', change: setApiPolicy(apiPolicy('<log-to-eventhub logger-id="nolog">x</log-to-eventhub>')), error: /Logger with id 'nolog' could not be found/ },
  {
    name: 'a fragment naming a missing backend',
    change: (t) => t.resources.push(child('policyFragments', 'route', { format: 'rawxml', value: '<fragment><set-backend-service backend-id="nope" /></fragment>' })),
    error: /Backend with id 'nope' could not be found/,
  },

  // Scopes.
  {
    name: 'global policy (service/policies)',
    change: (t) => t.resources.push(child('policies', 'policy', { format: 'rawxml', value: `<policies><inbound>${header('x-global', '@("g")')}</inbound><backend><forward-request /></backend><outbound /><on-error /></policies>` })),
    headers: { 'x-global': 'g' },
  },
  {
    name: 'operation policy',
    change: (t) =>
      t.resources.push(child('apis/operations/policies', 'functions/hello/policy', { format: 'xml', value: `<policies><inbound><base />${header('x-operation', 'op')}</inbound>${tail}` }, [
        "[resourceId('Microsoft.ApiManagement/service/apis/operations', parameters('apimServiceName'), 'functions', 'hello')]",
      ])),
    headers: { 'x-operation': 'op' },
  },
  {
    name: 'product policy, reached with a product subscription key',
    change: (t) => {
      find(t, 'Microsoft.ApiManagement/service/apis').properties.subscriptionRequired = true;
      const product = "[resourceId('Microsoft.ApiManagement/service/products', parameters('apimServiceName'), 'gold')]";
      t.resources.push(
        child('products', 'gold', { displayName: 'Gold', state: 'published', subscriptionRequired: true }),
        child('products/apis', 'gold/functions', {}, [product, API]),
        child('products/policies', 'gold/policy', { format: 'rawxml', value: `<policies><inbound><base />${header('x-product', '@(context.Product.Name)')}</inbound>${tail}` }, [product]),
        child('subscriptions', 'gold-sub', { scope: `/products/gold`, displayName: 'gold', state: 'active', primaryKey: 'goldkey0000000000000000000000001' }, [product]),
      );
    },
    key: true,
    headers: { 'x-product': 'Gold' },
  },
  {
    name: 'a product policy that does not compile',
    change: (t) => {
      const product = "[resourceId('Microsoft.ApiManagement/service/products', parameters('apimServiceName'), 'gold')]";
      t.resources.push(child('products', 'gold', { displayName: 'Gold', state: 'published' }), child('products/policies', 'gold/policy', { format: 'rawxml', value: `<policies><inbound><base /><no-such-policy /></inbound>${tail}` }, [product]));
    },
    error: /products\/policies|policy is not valid/,
  },

  // Fragments.
  {
    name: 'policy fragment (rawxml) included by the API policy',
    change: (t) => {
      t.resources.push(child('policyFragments', 'stamp', { format: 'rawxml', value: `<fragment>${header('x-fragment', '@("f" + "1")')}</fragment>` }));
      setApiPolicy(apiPolicy('<include-fragment fragment-id="stamp" />'))(t);
      find(t, 'Microsoft.ApiManagement/service/apis/policies').dependsOn!.push("[resourceId('Microsoft.ApiManagement/service/policyFragments', parameters('apimServiceName'), 'stamp')]");
    },
    headers: { 'x-fragment': 'f1' },
  },
  { name: 'include-fragment of a missing fragment', change: setApiPolicy(apiPolicy('<include-fragment fragment-id="nowhere" />')), error: /nowhere|fragment/i },

  // Named values.
  ...(['plain', 'secret'] as const).map((kind): Variant => ({
    name: `named value (${kind})`,
    change: (t) => {
      t.resources.push(child('namedValues', 'greeting', { displayName: 'greeting', value: `hello-${kind}`, ...(kind === 'secret' ? { secret: true } : {}) }));
      setApiPolicy(apiPolicy(header('x-named', '{{greeting}}')))(t);
      find(t, 'Microsoft.ApiManagement/service/apis/policies').dependsOn!.push("[resourceId('Microsoft.ApiManagement/service/namedValues', parameters('apimServiceName'), 'greeting')]");
    },
    headers: { 'x-named': `hello-${kind}` },
  })),
  {
    name: 'named value from Key Vault',
    change: (t) => {
      t.resources.push(
        { type: 'Microsoft.KeyVault/vaults', apiVersion: '2023-07-01', name: 'invvault', location: 'westeurope', properties: { tenantId: TENANT, sku: { family: 'A', name: 'standard' }, accessPolicies: [] } },
        { type: 'Microsoft.KeyVault/vaults/secrets', apiVersion: '2023-07-01', name: 'invvault/greeting', dependsOn: ["[resourceId('Microsoft.KeyVault/vaults', 'invvault')]"], properties: { value: 'from-the-vault' } },
        child('namedValues', 'greeting', { displayName: 'greeting', secret: true, keyVault: { secretIdentifier: 'https://invvault.vault.azure.net/secrets/greeting' } }, [SERVICE, "[resourceId('Microsoft.KeyVault/vaults/secrets', 'invvault', 'greeting')]"]),
      );
      setApiPolicy(apiPolicy(header('x-named', '{{greeting}}')))(t);
      find(t, 'Microsoft.ApiManagement/service/apis/policies').dependsOn!.push("[resourceId('Microsoft.ApiManagement/service/namedValues', parameters('apimServiceName'), 'greeting')]");
    },
    headers: { 'x-named': 'from-the-vault' },
  },
  {
    name: 'named value from a Key Vault secret that is not deployed',
    change: (t) => t.resources.push(child('namedValues', 'greeting', { displayName: 'greeting', secret: true, keyVault: { secretIdentifier: 'https://novault.vault.azure.net/secrets/greeting' } })),
    error: /Key Vault secret .* was not found/,
  },
  { name: 'a policy naming a named value that is not deployed', change: setApiPolicy(apiPolicy(header('x-named', '{{nowhere}}'))), error: /nowhere/ },

  // authsettingsV2 shapes (the site called directly, without a token).
  { name: 'authsettingsV2: Return401', change: () => undefined, site: '/api/hello', status: 401 },
  { name: 'authsettingsV2: platform disabled', change: setAuth({ platform: { enabled: false } }), site: '/api/hello', status: 200 },
  {
    name: 'authsettingsV2: AllowAnonymous',
    change: setAuth({ platform: { enabled: true }, globalValidation: { requireAuthentication: false, unauthenticatedClientAction: 'AllowAnonymous' }, identityProviders: { azureActiveDirectory: aad } }),
    site: '/api/hello',
    status: 200,
  },
  {
    name: 'authsettingsV2: Return403',
    change: setAuth({ platform: { enabled: true }, globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return403' }, identityProviders: { azureActiveDirectory: aad } }),
    site: '/api/hello',
    status: 403,
  },
  {
    name: 'authsettingsV2: RedirectToLoginPage',
    change: setAuth({ platform: { enabled: true }, globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'RedirectToLoginPage', redirectToProvider: 'azureActiveDirectory' }, identityProviders: { azureActiveDirectory: aad } }),
    site: '/api/hello',
    status: 302,
  },
  {
    name: 'authsettingsV2: excludedPaths',
    change: setAuth({ platform: { enabled: true }, globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401', excludedPaths: ['/api/hello'] }, identityProviders: { azureActiveDirectory: aad } }),
    site: '/api/hello',
    status: 200,
  },
  {
    name: 'authsettingsV2: v2 issuer, the token from APIM still opens the site',
    change: setAuth({ platform: { enabled: true }, globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' }, identityProviders: { azureActiveDirectory: { enabled: true, registration: { openIdIssuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, clientId: CLIENT } } } }),
    status: 200,
  },
  {
    name: 'deployment slot with its own authsettingsV2 and app settings: served at {site}-{slot}',
    change: (t) => {
      const slot = "[resourceId('Microsoft.Web/sites/slots', parameters('sites_function_name'), 'staging')]";
      t.resources.push(
        { type: 'Microsoft.Web/sites/slots', apiVersion: '2022-09-01', name: "[concat(parameters('sites_function_name'), '/staging')]", location: 'westeurope', dependsOn: ["[resourceId('Microsoft.Web/sites', parameters('sites_function_name'))]"], properties: { siteConfig: { appSettings: [{ name: 'SLOT', value: 'staging' }] } } },
        { type: 'Microsoft.Web/sites/slots/config', apiVersion: '2022-09-01', name: "[concat(parameters('sites_function_name'), '/staging/authsettingsV2')]", dependsOn: [slot], properties: { platform: { enabled: true }, globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return403' }, identityProviders: { azureActiveDirectory: aad } } },
      );
    },
    site: '/api/hello',
    siteName: `${SITE}-staging`,
    status: 403,
  },
  {
    name: 'deployment slot authsettingsV2 that App Service cannot read',
    change: (t) => {
      const slot = "[resourceId('Microsoft.Web/sites/slots', parameters('sites_function_name'), 'staging')]";
      t.resources.push(
        { type: 'Microsoft.Web/sites/slots', apiVersion: '2022-09-01', name: "[concat(parameters('sites_function_name'), '/staging')]", location: 'westeurope', dependsOn: ["[resourceId('Microsoft.Web/sites', parameters('sites_function_name'))]"], properties: {} },
        { type: 'Microsoft.Web/sites/slots/config', apiVersion: '2022-09-01', name: "[concat(parameters('sites_function_name'), '/staging/authsettingsV2')]", dependsOn: [slot], properties: { platform: { enabled: 'yes' } } },
      );
    },
    error: /authentication settings are not valid/,
  },
  {
    name: 'classic authsettings (V1) only: Easy Auth on, as App Service derives V2 from it',
    change: (t) => {
      const auth = find(t, 'Microsoft.Web/sites/config');
      auth.name = "[concat(parameters('sites_function_name'), '/authsettings')]";
      auth.properties = { enabled: true, unauthenticatedClientAction: 'RedirectToLoginPage', defaultProvider: 'AzureActiveDirectory', clientId: CLIENT, issuer: `https://sts.windows.net/${TENANT}/`, tokenStoreEnabled: true };
    },
    site: '/api/hello',
    status: 302,
  },
  {
    name: 'classic authsettings (V1): the token from APIM opens the site',
    change: (t) => {
      const auth = find(t, 'Microsoft.Web/sites/config');
      auth.name = "[concat(parameters('sites_function_name'), '/authsettings')]";
      auth.properties = { enabled: true, unauthenticatedClientAction: 'RedirectToLoginPage', defaultProvider: 'AzureActiveDirectory', clientId: CLIENT, issuer: `https://sts.windows.net/${TENANT}/` };
    },
    status: 200,
  },
  { name: 'classic authsettings (V1) App Service cannot read', change: (t) => {
    const auth = find(t, 'Microsoft.Web/sites/config');
    auth.name = "[concat(parameters('sites_function_name'), '/authsettings')]";
    auth.properties = { enabled: 'sometimes' };
  }, error: /authentication settings are not valid/ },
  { name: 'authsettingsV2: platform.enabled not a boolean', change: setAuth({ platform: { enabled: 'maybe' } }), error: /authentication settings are not valid/ },
  {
    name: 'authsettingsV2: an unknown unauthenticatedClientAction',
    change: setAuth({ platform: { enabled: true }, globalValidation: { unauthenticatedClientAction: 'Shrug' }, identityProviders: { azureActiveDirectory: aad } }),
    error: /authentication settings are not valid/,
  },
];

describe('what deploys is what runs: every accepted format and type serves, or the deployment fails', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-invariant-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000020', resourceGroup: 'rg-inv', location: 'westeurope', controlPlaneAuth: false, clock: systemClock, ids: randomIds, logger: silentLogger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const parameters = { sites_function_name: { value: SITE }, apimServiceName: { value: APIM }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } };
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const r = await request(url, { dispatcher: tls, headers });
    const text = await r.body.text();
    return { status: r.statusCode, text };
  };
  const gateway = (key?: string) => get(`${twin.ready().apim[APIM]!.gatewayUrl}/functions/hello`, key ? { 'ocp-apim-subscription-key': key } : {});

  it.each(variants.map((v) => [v.name, v] as const))('%s', async (_name, v) => {
    const t = seed();
    t.outputs = {};
    v.change(t, dir);
    // Each variant starts from an empty resource group: a Complete deployment of no resources deletes the site and the
    // service with everything below them (Complete mode alone would keep a child the variant leaves out, as ARM does).
    await twin.deploy({ deploymentName: `clear-${variants.indexOf(v)}`, template: { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [] }, mode: 'Complete' });
    const run = twin.deploy({ deploymentName: `inv-${variants.indexOf(v)}`, template: t, parameters, mode: 'Complete' });
    if (v.error) {
      const e = await run.then(() => undefined, (x: unknown) => x);
      expect(e, 'the deployment must fail').toBeDefined();
      expect(isTwinError(e), String(e)).toBe(true);
      expect((e as Error).message).toMatch(v.error);
      // Nothing half-applied: whatever the twin served before still answers (never a 503).
      if (twin.ready().apim[APIM]) expect((await gateway()).status).not.toBe(503);
      return;
    }
    await run;
    if (v.site) {
      const site = twin.ready().sites[v.siteName ?? SITE];
      expect(site, `site ${v.siteName ?? SITE} is served`).toBeDefined();
      const r = await get(`${site!.url}${v.site}`);
      expect(r.status, r.text).toBe(v.status);
      if (v.siteName) expect((await get(`${twin.ready().sites[SITE]!.url}${v.site}`)).status).toBe(401);
      return;
    }
    const r = await gateway(v.key ? 'goldkey0000000000000000000000001' : undefined);
    expect(r.status, r.text).toBe(v.status ?? 200);
    const echoed = JSON.parse(r.text) as { headers: Record<string, string> };
    for (const [name, value] of Object.entries(v.headers ?? {})) expect(echoed.headers[name], name).toBe(value);
    if (v.key) expect((await gateway()).status).toBe(401);
  });
});
