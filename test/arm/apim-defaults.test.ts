// What API Management creates with a new service (docs/behaviour/apim.md §3.1): stored records, per tier, created once.
import { describe, expect, it } from 'vitest';
import { deploy, restoredAfterDelete } from '../../src/arm/index.js';
import { DEFAULT_SERVICE_POLICY } from '../../src/arm/providers/apim-defaults.js';
import { loadPolicyDocument } from '../../src/gateway/index.js';
import { RG, setup } from './helpers/seed.js';

const SVC = `${RG}/providers/Microsoft.ApiManagement/service/s`;
const service = (sku: string) => ({ type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 's', location: 'westeurope', sku: { name: sku, capacity: sku === 'Consumption' ? 0 : 1 }, properties: { publisherEmail: 'admin@contoso.com', publisherName: 'Contoso' } });
const children = (store: ReturnType<typeof setup>['store']) => store.listResources({ idPrefix: `${SVC}/` }).map((r) => r.id.slice(SVC.length + 1)).sort();

describe('a new API Management service holds what Azure creates in it', () => {
  it('classic tiers: starter and unlimited with their settings and starter policy, system groups, admin user 1, Echo API, master and the admin subscriptions', () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'd', template: { resources: [service('Developer')] } }, options);
    const ids = children(store);
    expect(ids).toEqual(expect.arrayContaining([
      'products/starter', 'products/unlimited', 'products/starter/policies/policy', 'products/starter/apis/echo-api', 'products/unlimited/apis/echo-api',
      'products/starter/groups/administrators', 'products/starter/groups/developers', 'products/starter/groups/guests',
      'products/unlimited/groups/administrators', 'products/unlimited/groups/developers', 'products/unlimited/groups/guests',
      'groups/administrators', 'groups/developers', 'groups/guests', 'groups/administrators/users/1', 'groups/developers/users/1',
      'users/1', 'apis/echo-api', 'subscriptions/master', 'policies/policy',
    ]));
    expect(ids.filter((i) => i.startsWith('apis/echo-api/operations/') && !i.endsWith('/policy')).sort()).toEqual(
      ['create-resource', 'modify-resource', 'remove-resource', 'retrieve-header-only', 'retrieve-resource', 'retrieve-resource-cached'].map((o) => `apis/echo-api/operations/${o}`),
    );
    const get = (tail: string) => store.getResource(`${SVC}/${tail}`)!;
    expect(get('products/starter').properties).toEqual({ displayName: 'Starter', description: 'Subscribers will be able to run 5 calls/minute up to a maximum of 100 calls/week.', terms: '', subscriptionRequired: true, approvalRequired: false, subscriptionsLimit: 1, state: 'published' });
    expect(get('products/unlimited').properties).toMatchObject({ displayName: 'Unlimited', subscriptionRequired: true, approvalRequired: true, subscriptionsLimit: 1, state: 'published' });
    expect(get('products/starter/policies/policy').properties.value).toMatch(/<rate-limit calls="5" renewal-period="60" \/>\r\n\t\t<quota calls="100" renewal-period="604800" \/>/);
    expect(get('groups/guests').properties).toMatchObject({ displayName: 'Guests', builtIn: true, type: 'system' });
    expect(get('users/1').properties).toMatchObject({ firstName: 'Administrator', lastName: '', email: 'admin@contoso.com', state: 'active', identities: [{ provider: 'Azure', id: 'admin@contoso.com' }] });
    expect(get('apis/echo-api').properties).toMatchObject({ displayName: 'Echo API', path: 'echo', serviceUrl: 'https://echo.playground.azure-api.net/api', protocols: ['https'], subscriptionRequired: true, apiRevision: '1', isCurrent: true });
    const master = get('subscriptions/master');
    expect(master.properties).toMatchObject({ scope: `${SVC}/`, displayName: 'Built-in all-access subscription', state: 'active', allowTracing: false });
    expect(master.properties.primaryKey).toBeUndefined();
    expect((master.listResults!.listsecrets as { primaryKey: string }).primaryKey).toMatch(/^[0-9a-f]{32}$/);
    const admin = ids.filter((i) => /^subscriptions\/[0-9a-f]{24}$/.test(i));
    expect(admin).toHaveLength(2);
    expect(admin.map((i) => get(i).properties)).toEqual([
      expect.objectContaining({ ownerId: `${SVC}/users/1`, scope: `${SVC}/products/starter`, state: 'active' }),
      expect.objectContaining({ ownerId: `${SVC}/users/1`, scope: `${SVC}/products/unlimited`, state: 'active' }),
    ]);
    expect(admin.map((i) => i.slice(-4))).toEqual(['0001', '0002']);
  });

  it('Consumption: only the default service policy and the built-in all-access subscription; v2 tiers: those and the Echo API, no Starter/Unlimited', () => {
    const c = setup();
    deploy({ deploymentName: 'd', template: { resources: [service('Consumption')] } }, c.options);
    expect(children(c.store)).toEqual(['policies/policy', 'subscriptions/master']);
    const v2 = setup();
    deploy({ deploymentName: 'd', template: { resources: [service('BasicV2')] } }, v2.options);
    const ids = children(v2.store);
    expect(ids).toContain('apis/echo-api');
    expect(ids).toContain('subscriptions/master');
    expect(ids).toContain('policies/policy');
    expect(ids.filter((i) => /^(products|groups|users)\//.test(i))).toEqual([]);
  });

  it("templates read them: reference() of starter and listSecrets() of the built-in master subscription, in the deployment that creates the service", () => {
    const { store, options } = setup();
    const template = {
      resources: [service('Developer')],
      outputs: {
        starter: { type: 'string', value: "[reference(resourceId('Microsoft.ApiManagement/service/products', 's', 'starter'), '2022-08-01').displayName]" },
        masterKey: { type: 'string', value: "[listSecrets(resourceId('Microsoft.ApiManagement/service/subscriptions', 's', 'master'), '2022-08-01').primaryKey]" },
      },
    };
    const r = deploy({ deploymentName: 'd', template }, options);
    expect(r.outputs['starter']).toMatchObject({ value: 'Starter' });
    expect(r.outputs['masterKey']).toMatchObject({ value: (store.getResource(`${SVC}/subscriptions/master`)!.listResults!.listsecrets as { primaryKey: string }).primaryKey });
  });

  it("every tier holds APIM's default service-level policy (REST example ApiManagementGetPolicy, comment block left out); a template's replaces it; the gateway runs it; restoredAfterDelete puts it back", () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'd', template: { resources: [service('Consumption')] } }, options);
    const dflt = store.getResource(`${SVC}/policies/policy`)!;
    expect(dflt).toMatchObject({ type: 'Microsoft.ApiManagement/service/policies', name: 's/policy', apiVersion: '2022-08-01', properties: { format: 'xml', value: DEFAULT_SERVICE_POLICY } });
    expect(DEFAULT_SERVICE_POLICY).toBe('<policies>\r\n  <inbound />\r\n  <backend>\r\n    <forward-request />\r\n  </backend>\r\n  <outbound />\r\n</policies>');
    const loaded = loadPolicyDocument(DEFAULT_SERVICE_POLICY, { scope: 'global' });
    expect(loaded.sections.backend.map((e) => (typeof e === 'symbol' ? 'base' : e.name))).toEqual(['forward-request']);
    expect(loaded.sections['on-error']).toEqual([]);
    const mine = '<policies><inbound><cors><allowed-origins><origin>*</origin></allowed-origins></cors></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>';
    deploy({ deploymentName: 'p', template: { resources: [service('Consumption'), { type: 'Microsoft.ApiManagement/service/policies', apiVersion: '2022-08-01', name: 's/policy', dependsOn: ['s'], properties: { format: 'rawxml', value: mine } }] } }, options);
    expect(store.getResource(`${SVC}/policies/policy`)!.properties).toEqual({ format: 'rawxml', value: mine });
    const restored = restoredAfterDelete(store.getResource(`${SVC}/policies/policy`)!, (id) => store.getResource(id));
    expect(restored).toMatchObject({ id: `${SVC}/policies/policy`, properties: { format: 'xml', value: DEFAULT_SERVICE_POLICY } });
    expect(restoredAfterDelete(store.getResource(`${SVC}/subscriptions/master`)!, (id) => store.getResource(id))).toBeUndefined();
    expect(restoredAfterDelete(store.getResource(`${SVC}/policies/policy`)!, () => undefined)).toBeUndefined();
  });

  it("compat flag builtInObjects 'none' (DeployOptions.apimBuiltInObjects): a new service holds nothing", () => {
    const { store, options } = setup({ apimBuiltInObjects: 'none' });
    deploy({ deploymentName: 'd', template: { resources: [service('Developer')] } }, options);
    expect(children(store)).toEqual([]);
  });

  it('made once: a redeploy of the service keeps keys and leaves what a template changed; products/apis into starter deploys; a PUT of starter updates it', () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'd1', template: { resources: [service('Developer')] } }, options);
    const keys = store.getResource(`${SVC}/subscriptions/master`)!.listResults!.listsecrets;
    const resources = [
      service('Developer'),
      { type: 'Microsoft.ApiManagement/service/apis', apiVersion: '2022-08-01', name: 's/orders', dependsOn: ['s'], properties: { path: 'orders', serviceUrl: 'https://backend.example/orders' } },
      // The APIM DevOps resource kit's shape: an API linked into the built-in `starter` product, which the template does not declare.
      { type: 'Microsoft.ApiManagement/service/products/apis', apiVersion: '2022-08-01', name: 's/starter/orders', dependsOn: ['s/orders'] },
      { type: 'Microsoft.ApiManagement/service/products', apiVersion: '2022-08-01', name: 's/unlimited', dependsOn: ['s'], properties: { displayName: 'Gold', subscriptionRequired: true, state: 'published' } },
    ];
    deploy({ deploymentName: 'd2', template: { resources } }, options);
    expect(store.getResource(`${SVC}/products/starter/apis/orders`)).toBeDefined();
    expect(store.getResource(`${SVC}/products/unlimited`)!.properties).toEqual({ displayName: 'Gold', subscriptionRequired: true, state: 'published' });
    expect(store.getResource(`${SVC}/subscriptions/master`)!.listResults!.listsecrets).toEqual(keys);
    expect(store.getResource(`${SVC}/products/starter/policies/policy`)).toBeDefined();
  });
});
