/**
 * `trustline lint` rules (docs/lint.md): one template per rule, each a variant of the seed, linted through the CLI.
 * The chain itself is decided by the runtime's own Easy Auth and the identity subsystem's tokens.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_CLIENT_ID } from '../helpers/seed.js';
import { ROOT } from '../helpers/cli-process.js';
import { byType, lintJson, rules, setInbound, useVariants } from './helpers.js';

const MI = (attrs = '') => `    <authentication-managed-identity resource="${APP_CLIENT_ID}"${attrs} />`;
const variant = useVariants();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const aad = (t: Parameters<typeof byType>[0]) =>
  (byType(t, 'Microsoft.Web/sites/config').properties.identityProviders as { azureActiveDirectory: Record<string, Record<string, unknown>> }).azureActiveDirectory;

describe('trustline lint rules', () => {
  it('a literal policy: the finding points at the element inside the template string (line:column in the file)', async () => {
    const dir = variant((t) => setInbound(t, MI(' ignore-error="true"')));
    const { code, findings } = await lintJson([dir], dir);
    expect(code).toBe(0);
    expect(rules(findings)).toEqual(['TL005 warning']);
    const text = readFileSync(join(dir, 'azuredeploy.json'), 'utf8');
    const offset = text.indexOf('<authentication-managed-identity');
    const before = text.slice(0, offset).split('\n');
    const loc = findings[0]!.locations[0]!;
    expect(loc.file).toBe('azuredeploy.json');
    expect(loc.jsonPath).toBe('resources[6].properties.value');
    expect([loc.line, loc.column]).toEqual([before.length, before.at(-1)!.length + 1]);
    // The resource the place belongs to, and the JSON path inside it (what SARIF fingerprints are made of).
    expect(loc.resourceId).toMatch(/\/providers\/Microsoft\.ApiManagement\/service\/trustline-apim\/apis\/functions\/policies\/policy$/);
    expect(loc.resourcePath).toBe('properties.value');
  });

  it("TL001: an issuer of another tenant than the identity's", async () => {
    const dir = variant((t) => {
      aad(t).registration!.openIdIssuer = 'https://sts.windows.net/0c2f4e6a-8b1d-4c3e-9f5a-7b9d1f3a5c7e/';
    });
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL001 error']);
    expect(findings[0]!.message).toMatch(/answers 500 .*\(config: OIDC metadata https:\/\/sts\.windows\.net\/0c2f4e6a-.* unreachable/);
    expect(findings[0]!.locations[1]!.jsonPath).toBe('resources[2].properties.identityProviders.azureActiveDirectory.registration.openIdIssuer');
  });

  it("TL001: allowedPrincipals.identities without the identity's object id → 403", async () => {
    const dir = variant((t) => {
      aad(t).validation = { defaultAuthorizationPolicy: { allowedPrincipals: { identities: ['0b5d1c3e-1111-4222-8333-444455556666'] } } };
    });
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL001 error']);
    expect(findings[0]!.message).toMatch(/answers 403 .*allowed-principals: .*allowedPrincipals\.identities/);
  });

  it("TL001 in a product's policy: checked for calls with that product's subscription", async () => {
    const svc = "parameters('apimServiceName')";
    const dir = variant((t) => {
      // The API's own policy attaches no token (TL002 without a product); the product's attaches one Easy Auth refuses.
      setInbound(t, '');
      t.resources.push(
        { type: 'Microsoft.ApiManagement/service/products', apiVersion: '2022-08-01', name: `[concat(${svc}, '/partners')]`, dependsOn: [`[resourceId('Microsoft.ApiManagement/service', ${svc})]`], properties: { displayName: 'Partners', state: 'published', subscriptionRequired: true } },
        { type: 'Microsoft.ApiManagement/service/products/apis', apiVersion: '2022-08-01', name: `[concat(${svc}, '/partners/functions')]`, dependsOn: [`[resourceId('Microsoft.ApiManagement/service/products', ${svc}, 'partners')]`, `[resourceId('Microsoft.ApiManagement/service/apis', ${svc}, 'functions')]`], properties: {} },
        {
          type: 'Microsoft.ApiManagement/service/products/policies', apiVersion: '2022-08-01', name: `[concat(${svc}, '/partners/policy')]`, dependsOn: [`[resourceId('Microsoft.ApiManagement/service/products', ${svc}, 'partners')]`],
          properties: { format: 'rawxml', value: `<policies><inbound><base /><authentication-managed-identity resource="api://${APP_CLIENT_ID}" /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>` },
        },
      );
    });
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL002 error', 'TL001 error']);
    expect(findings[0]!.message).toContain("API 'functions' of APIM 'trustline-apim': site 'trustline-func' answers 401 to APIM's request, which carries no token");
    expect(findings[1]!.message).toContain("API 'functions' of APIM 'trustline-apim' (product 'partners'): site 'trustline-func' answers 401 to APIM's managed identity token for resource 'api://");
    expect(findings[1]!.locations[0]!.jsonPath).toBe('resources[9].properties.value');
  });

  it('TL001: a resource from a named value is read as the gateway reads it (substituted)', async () => {
    const svc = "parameters('apimServiceName')";
    const dir = variant((t) => {
      setInbound(t, '    <authentication-managed-identity resource="{{func-audience}}" />');
      t.resources.push({
        type: 'Microsoft.ApiManagement/service/namedValues', apiVersion: '2022-08-01', name: `[concat(${svc}, '/func-audience')]`,
        dependsOn: [`[resourceId('Microsoft.ApiManagement/service', ${svc})]`], properties: { displayName: 'func-audience', value: `api://${APP_CLIENT_ID}` },
      });
      // APIM refuses a policy naming a named value it does not have yet (TL009 without this).
      (byType(t, 'Microsoft.ApiManagement/service/apis/policies').dependsOn as string[]).push(`[resourceId('Microsoft.ApiManagement/service/namedValues', ${svc}, 'func-audience')]`);
    });
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL001 error']);
    expect(findings[0]!.message).toContain(`token for resource 'api://${APP_CLIENT_ID}' (audience: aud 'api://${APP_CLIENT_ID}'`);
  });

  it('TL002: the token goes to a variable no set-header Authorization sends', async () => {
    const dir = variant((t) => setInbound(t, MI(' output-token-variable-name="tok"')));
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL002 error']);
    expect(findings[0]!.message).toContain("variable 'tok', which no set-header Authorization sends");
  });

  it('a token kept in a variable is no TL002 when another authentication-managed-identity on the same path sends one', async () => {
    const dir = variant((t) => setInbound(t, `${MI(' output-token-variable-name="tok"')}\n${MI()}`));
    const { code, findings } = await lintJson([dir]);
    expect(findings).toEqual([]);
    expect(code).toBe(0);
  });

  it('TL003: the service has no managed identity', async () => {
    const dir = variant((t) => {
      delete byType(t, 'Microsoft.ApiManagement/service').identity;
      delete (t as { outputs?: unknown }).outputs;
    });
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL003 error']);
    expect(findings[0]!.message).toContain('Managed service identity is not enabled for this service');
  });

  it('TL003: a client-id the service has no user-assigned identity for', async () => {
    const dir = variant((t) => setInbound(t, MI(' client-id="11111111-2222-4333-8444-555566667777"')));
    const { findings } = await lintJson([dir]);
    expect(rules(findings)).toEqual(['TL003 error']);
    expect(findings[0]!.message).toContain("No user-assigned managed identity with client id '11111111-2222-4333-8444-555566667777'");
  });

  it('TL004: Entra ID knows no application for the resource', async () => {
    const dir = variant((t) => setInbound(t, '    <authentication-managed-identity resource="api://nobody-here" />'));
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL004 error']);
    expect(findings[0]!.message).toContain('AADSTS500011');
  });

  it('TL006: a site behind APIM that lets anonymous requests in (warning; the chain itself holds)', async () => {
    const dir = variant((t) => {
      byType(t, 'Microsoft.Web/sites/config').properties.globalValidation = { requireAuthentication: false, unauthenticatedClientAction: 'AllowAnonymous' };
    });
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(0);
    expect(rules(findings)).toEqual(['TL006 warning']);
    expect(findings[0]!.locations[0]!.jsonPath).toBe('resources[2].properties.globalValidation');
  });

  it('TL007: plain http to a site with requireHttps: the token travels in clear and the site redirects', async () => {
    const dir = variant((t) => {
      const api = byType(t, 'Microsoft.ApiManagement/service/apis');
      api.properties.serviceUrl = String(api.properties.serviceUrl).replace("'https://'", "'http://'");
    });
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL001 error', 'TL007 warning']);
    expect(findings[0]!.message).toContain('require-https');
    expect(findings[1]!.locations[0]!.jsonPath).toBe('resources[4].properties.serviceUrl');
  });

  it('TL008: Easy Auth lets APIM in, the function wants a key no policy sends', async () => {
    const dir = variant((t) => {
      t.resources.push({
        type: 'Microsoft.Web/sites/functions', apiVersion: '2022-09-01', name: "[concat(parameters('sites_function_name'), '/hello')]",
        dependsOn: ["[resourceId('Microsoft.Web/sites', parameters('sites_function_name'))]"],
        properties: { config: { bindings: [{ type: 'httpTrigger', direction: 'in', name: 'req', authLevel: 'function' }] } },
      });
    });
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(0);
    expect(rules(findings)).toEqual(['TL008 warning']);
    expect(findings[0]!.message).toContain('function-keys');
  });

  it('TL009: a policy Azure refuses on save fails the lint with its place', async () => {
    const dir = variant((t) => setInbound(t, '    <no-such-policy />'));
    const { code, findings } = await lintJson([dir], join(dir, '..'));
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL009 error']);
    expect(findings[0]!.message).toContain('no-such-policy');
    expect(findings[0]!.locations[0]!.file).toBe(`${dir.split('/').pop()}/azuredeploy.json`);
  });

  it("TL010: the caller's own token passed on (validate-jwt, no managed identity) is a note, not TL002", async () => {
    const dir = variant((t) => setInbound(t, '    <validate-jwt header-name="Authorization"><audiences><audience>api://caller</audience></audiences></validate-jwt>'));
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(0);
    expect(rules(findings)).toEqual(['TL010 note']);
    expect(findings[0]!.message).toContain("the caller's own token");
  });

  it("trustline.json: its deployments and compat flags apply as they do to `trustline up`", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-lint-project-'));
    dirs.push(dir);
    const mistake = join(ROOT, 'examples', 'mistakes', 'api-uri-audience');
    writeFileSync(join(dir, 'trustline.json'), JSON.stringify({ deployments: [mistake] }));
    expect(rules((await lintJson([], dir)).findings)).toEqual(['TL001 error']);
    // With the compat flag that makes Easy Auth take api://{clientId} as an audience, the same chain holds.
    writeFileSync(join(dir, 'trustline.json'), JSON.stringify({ deployments: [mistake], compat: { easyAuth: { implicitApiUriAudience: true } } }));
    const { code, findings } = await lintJson([], dir);
    expect(findings).toEqual([]);
    expect(code).toBe(0);
  });

  it('TL010: a resource given by a policy expression the request decides is a note, not decided', async () => {
    const dir = variant((t) => setInbound(t, '    <authentication-managed-identity resource="@(context.Request.Headers.GetValueOrDefault(&quot;x-aud&quot;, &quot;&quot;))" />'));
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(0);
    expect(rules(findings)).toEqual(['TL010 note']);
  });

  it('a resource expression the deployment decides (context.Api) is its value: the token request for it is checked', async () => {
    const dir = variant((t) => setInbound(t, '    <authentication-managed-identity resource="@(context.Api.Id)" />'));
    const { code, findings } = await lintJson([dir]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL004 error']);
    expect(findings[0]!.message).toContain("token for resource 'functions'");
  });
});
