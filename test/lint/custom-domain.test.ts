/**
 * `trustline lint` and custom domains: a backend URL whose host is bound to a site (`Microsoft.Web/sites/hostNameBindings`,
 * or the site's hostNames) reaches that site, and its chain is checked as for `<site>.azurewebsites.net`.
 */
import { describe, expect, it } from 'vitest';
import { lintJson, rules, setInbound, useVariants, byType } from './helpers.js';

const variant = useVariants();
type Template = Parameters<Parameters<typeof variant>[0]>[0];
const SITE = "parameters('sites_function_name')";
const svc = "parameters('apimServiceName')";

function bind(t: Template, host: string): void {
  t.resources.push({
    type: 'Microsoft.Web/sites/hostNameBindings', apiVersion: '2022-09-01', name: `[concat(${SITE}, '/${host}')]`,
    dependsOn: [`[resourceId('Microsoft.Web/sites', ${SITE})]`],
    properties: { siteName: `[${SITE}]`, hostNameType: 'Verified', sslState: 'SniEnabled', thumbprint: '2B1E5C5A0F9C3D7E8A4B6C1D2E3F4A5B6C7D8E9F' },
  });
}
const serviceUrl = (t: Template, url: string) => {
  byType(t, 'Microsoft.ApiManagement/service/apis').properties.serviceUrl = url;
};

describe('trustline lint: sites reached through a custom domain', () => {
  it('an API whose serviceUrl is a custom domain bound to the site: its chain is checked (TL002 names the domain)', async () => {
    const dir = variant((t) => {
      setInbound(t, '');
      bind(t, 'api.contoso.com');
      serviceUrl(t, 'https://api.contoso.com/api');
    });
    const { code, findings } = await lintJson([dir], dir);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['TL002 error']);
    expect(findings[0]!.message).toContain("site 'trustline-func' (custom domain api.contoso.com) answers 401 to APIM's request, which carries no token");
  });

  it('the same host with no binding is no site of the deployment: nothing to check', async () => {
    const dir = variant((t) => {
      setInbound(t, '');
      serviceUrl(t, 'https://api.contoso.com/api');
    });
    expect((await lintJson([dir], dir)).findings).toEqual([]);
  });

  it('a wildcard binding, and a backend entity with a custom host named by set-backend-service', async () => {
    const dir = variant((t) => {
      setInbound(t, '    <set-backend-service backend-id="orders" />');
      bind(t, '*.fabrikam.net');
      t.resources.push({
        type: 'Microsoft.ApiManagement/service/backends', apiVersion: '2022-08-01', name: `[concat(${svc}, '/orders')]`,
        dependsOn: [`[resourceId('Microsoft.ApiManagement/service', ${svc})]`], properties: { url: 'https://orders.fabrikam.net/api', protocol: 'http' },
      });
      (byType(t, 'Microsoft.ApiManagement/service/apis/policies').dependsOn as string[]).push(`[resourceId('Microsoft.ApiManagement/service/backends', ${svc}, 'orders')]`);
    });
    const { findings } = await lintJson([dir], dir);
    expect(rules(findings)).toEqual(['TL002 error']);
    expect(findings[0]!.message).toContain("site 'trustline-func' (custom domain orders.fabrikam.net)");
  });
});
