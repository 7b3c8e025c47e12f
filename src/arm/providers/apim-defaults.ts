import { createHash } from 'node:crypto';
import type { ResourceRecord } from '../../state/index.js';
import { getPath } from './common.js';
import { subscriptionKey } from './apim-access.js';
import type { ProviderContext } from './types.js';

/**
 * What API Management creates inside a new service (docs/behaviour/apim.md §3.1). Stored as ordinary records, so the
 * control plane's GET/list, `reference()`, the gateway's subscription check and product policies see them exactly as
 * they see what a template deploys; a template may change or build on them (`products/apis` into `starter`, a PUT of
 * `starter` with its own properties). Created once, when the service is created: a redeploy of the service leaves
 * whatever was changed or deleted since.
 *
 * Which tier gets what:
 * - every tier: the service-level ("All APIs") policy `policies/policy`, APIM's default document [doc: REST example
 *   ApiManagementGetPolicy answers it for a service nobody gave one; obs: Terraform's azurerm_api_management_policy
 *   "will, upon creation, overwrite any existing policy", and on destroy "the service will revert to its default
 *   policy"] — {@link defaultServicePolicy};
 * - every tier: the built-in all-access subscription `master` [doc: Learn "Subscriptions in Azure API Management":
 *   "Each API Management instance comes with a built-in all-access subscription"; its body as exported templates
 *   show it: scope `{service id}/`, displayName `Built-in all-access subscription`, state `active`, allowTracing false];
 * - the classic tiers (Developer, Basic, Standard, Premium, Isolated): the products `starter` and `unlimited`
 *   [doc: REST example ApiManagementListProducts] with starter's rate-limit/quota policy, the system groups
 *   `administrators`, `developers`, `guests` linked to both products, the administrator user `1` (member of
 *   administrators and developers) [doc: REST example ApiManagementListUsers; obs: an aztfexport of a Developer
 *   service], the admin's subscriptions to both products [doc: Learn "Create and publish a product": "If you created
 *   the API Management instance, you are an administrator already, so you are subscribed to every product by
 *   default"; obs: exported templates, names `{24 hex}` ending 0001/0002, ownerId users/1, scope the product], and the
 *   Echo API in both products;
 * - the v2 tiers (BasicV2, StandardV2, PremiumV2): the Echo API [obs: a Basic v2 walkthrough calls it with the
 *   built-in all-access key], no Starter/Unlimited ("created by default when an API Management Service using V1 plans
 *   is created", PSRule Azure.APIM.SampleProducts); groups and the admin user are not created [I];
 * - Consumption: nothing but `master` [obs: MicrosoftLearning/AZ-203 PR #138, "If you create the account using the
 *   Consumption tier, it does not create a default product", "in the consumption plan the echo is not created";
 *   groups answer 405 in Consumption, stephaneey/azure-apim-extension #115].
 */
const NS = 'Microsoft.ApiManagement/service';

type Tier = 'classic' | 'v2' | 'consumption';

export function apimTier(sku: unknown): Tier {
  const name = String(getPath(sku, 'name') ?? '').toLowerCase();
  // A body without a SKU (ARM requires one) names no tier: it gets what every tier gets [I].
  if (name === 'consumption' || name === '') return 'consumption';
  if (name.endsWith('v2')) return 'v2';
  return 'classic';
}

/** Starter's product policy as APIM's GET shows it (the comment block APIM puts on top is left out). */
export const STARTER_POLICY = [
  '<policies>',
  '\t<inbound>',
  '\t\t<rate-limit calls="5" renewal-period="60" />',
  '\t\t<quota calls="100" renewal-period="604800" />',
  '\t\t<base />',
  '\t</inbound>',
  '\t<backend>',
  '\t\t<base />',
  '\t</backend>',
  '\t<outbound>',
  '\t\t<base />',
  '\t</outbound>',
  '</policies>',
].join('\r\n');

/**
 * The service-level policy APIM holds until one is saved, and again after it is deleted: its GET (REST example
 * ApiManagementGetPolicy) without the comment block APIM puts on top. No `on-error` section.
 */
export const DEFAULT_SERVICE_POLICY = ['<policies>', '  <inbound />', '  <backend>', '    <forward-request />', '  </backend>', '  <outbound />', '</policies>'].join('\r\n');

/** The record of a service's default service-level policy (`{service id}/policies/policy`). */
export function defaultServicePolicy(service: Pick<ResourceRecord, 'id' | 'name' | 'apiVersion'>): ResourceRecord {
  const r: ResourceRecord = { id: `${service.id}/policies/policy`, type: `${NS}/policies`, name: `${service.name}/policy`, properties: { format: 'xml', value: DEFAULT_SERVICE_POLICY } };
  if (service.apiVersion !== undefined) r.apiVersion = service.apiVersion;
  return r;
}

/**
 * What stands in the place of a resource a DELETE removed, as APIM answers it afterwards: the default service-level
 * policy for a deleted `service/policies/policy` of a service that is still there; nothing for anything else.
 */
export function restoredAfterDelete(deleted: Pick<ResourceRecord, 'id' | 'type' | 'apiVersion'>, serviceOf: (id: string) => ResourceRecord | undefined): ResourceRecord | undefined {
  if (deleted.type.toLowerCase() !== `${NS}/policies`.toLowerCase()) return undefined;
  const service = serviceOf(deleted.id.replace(/\/policies\/[^/]+$/i, ''));
  return service ? { ...defaultServicePolicy(service), ...(deleted.apiVersion !== undefined ? { apiVersion: deleted.apiVersion } : {}) } : undefined;
}

const SYSTEM_GROUPS: Array<[string, string, string]> = [
  ['administrators', 'Administrators', 'Administrators is a built-in group containing the admin email account provided at the time of service creation. Its membership is managed by the system.'],
  ['developers', 'Developers', 'Developers is a built-in group. Its membership is managed by the system. Signed-in users fall into this group.'],
  ['guests', 'Guests', 'Guests is a built-in group. Its membership is managed by the system. Unauthenticated users visiting the developer portal fall into this group.'],
];

const policyDoc = (inbound: string[], outbound: string[]): string => [
  '<policies>',
  '\t<inbound>', '\t\t<base />', ...inbound.map((l) => `\t\t${l}`), '\t</inbound>',
  '\t<backend>', '\t\t<base />', '\t</backend>',
  '\t<outbound>', '\t\t<base />', ...outbound.map((l) => `\t\t${l}`), '\t</outbound>',
  '</policies>',
].join('\r\n');

interface EchoOperation { name: string; displayName: string; method: string; urlTemplate: string; description: string; request?: Record<string, unknown>; policy?: string }

const SAMPLE_PARAM = { name: 'param1', description: 'A sample parameter that is required and has a default value of "sample".', type: 'string', defaultValue: 'sample', required: true, values: ['sample'] };

/** The Echo API's operations and their policies [obs: aztfexport of a Developer service, 2025]. */
const ECHO_OPERATIONS: EchoOperation[] = [
  {
    name: 'create-resource', displayName: 'Create resource', method: 'POST', urlTemplate: '/resource',
    description: 'A demonstration of a POST call based on the echo backend above. The request body is expected to contain JSON-formatted data (see example below). A policy is used to automatically transform any request sent in JSON directly to XML. In a real-world scenario this could be used to enable modern clients to speak to a legacy backend.',
    request: { representations: [{ contentType: 'application/json', examples: { default: { value: { vehicleType: 'train', maxSpeed: 125, avgSpeed: 90, speedUnit: 'mph' } } } }] },
    policy: policyDoc(['<json-to-xml apply="always" consider-accept-header="false" />'], []),
  },
  { name: 'modify-resource', displayName: 'Modify Resource', method: 'PUT', urlTemplate: '/resource', description: 'A demonstration of a PUT call handled by the same "echo" backend as above. You can now specify a request body in addition to headers and it will be returned as well.' },
  { name: 'remove-resource', displayName: 'Remove resource', method: 'DELETE', urlTemplate: '/resource', description: 'A demonstration of a DELETE call which traditionally deletes the resource. It is based on the same "echo" backend as in all other operations so nothing is actually deleted.' },
  {
    name: 'retrieve-header-only', displayName: 'Retrieve header only', method: 'HEAD', urlTemplate: '/resource',
    description: 'The HEAD operation returns only headers. In this demonstration a policy is used to set additional headers when the response is returned and to enable JSONP.',
    policy: policyDoc([], ['<set-header name="X-My-Sample" exists-action="override">', '\t<value>This is a sample</value>', '</set-header>', '<jsonp callback-parameter-name="ProcessResponse" />']),
  },
  {
    name: 'retrieve-resource', displayName: 'Retrieve resource', method: 'GET', urlTemplate: '/resource',
    description: 'A demonstration of a GET call on a sample resource. It is handled by an "echo" backend which returns a response equal to the request (the supplied headers and body are being returned as received).',
    request: { queryParameters: [SAMPLE_PARAM, { name: 'param2', description: 'Another sample parameter, set to not required.', type: 'number', required: false, values: [] }] },
  },
  {
    name: 'retrieve-resource-cached', displayName: 'Retrieve resource (cached)', method: 'GET', urlTemplate: '/resource-cached',
    description: 'A demonstration of a GET call with caching enabled on the same "echo" backend as above. Cache TTL is set to 1 hour. When you make the first request the headers you supplied will be cached. Subsequent calls will return the same headers as the first time even if you change them in your request.',
    request: { queryParameters: [SAMPLE_PARAM, { name: 'param2', description: 'Another sample parameter, set to not required.', type: 'string', required: false, values: [] }] },
    policy: policyDoc(
      ['<cache-lookup vary-by-developer="false" vary-by-developer-groups="false">', '\t<vary-by-header>Accept</vary-by-header>', '\t<vary-by-header>Accept-Charset</vary-by-header>', '</cache-lookup>', '<rewrite-uri template="/resource" />'],
      ['<cache-store duration="3600" />'],
    ),
  },
];

/**
 * The records API Management creates with a new service `service` (its id, name and body as deployed), in the order a
 * template would deploy them. Subscription keys are drawn like any subscription's (`subscriptionKey`).
 */
export function serviceDefaults(service: ResourceRecord, ctx: ProviderContext): ResourceRecord[] {
  const tier = apimTier(service.sku);
  const sid = service.id;
  const name = service.name;
  const apiVersion = service.apiVersion;
  const now = new Date(ctx.clock.now()).toISOString();
  const out: ResourceRecord[] = [];
  const add = (type: string, path: string[], properties: Record<string, unknown>, listResults?: Record<string, unknown>) => {
    const segments = type.split('/').slice(2);
    const idTail = segments.map((t, i) => `${t}/${path[i]}`).join('/');
    const r: ResourceRecord = { id: `${sid}/${idTail}`, type: `${NS}/${segments.join('/')}`, name: [name, ...path].join('/'), properties };
    if (apiVersion !== undefined) r.apiVersion = apiVersion;
    if (listResults) r.listResults = listResults;
    out.push(r);
  };
  const keys = () => ({ listsecrets: { primaryKey: subscriptionKey(ctx), secondaryKey: subscriptionKey(ctx) } });

  out.push(defaultServicePolicy(service));

  if (tier === 'classic') {
    const email = String(getPath(service.properties, 'publisherEmail') ?? '');
    add(`${NS}/users`, ['1'], { firstName: 'Administrator', lastName: '', email, state: 'active', registrationDate: now, identities: [{ provider: 'Azure', id: email }] });
    for (const [g, displayName, description] of SYSTEM_GROUPS) add(`${NS}/groups`, [g], { displayName, description, builtIn: true, type: 'system' });
    add(`${NS}/groups/users`, ['administrators', '1'], {});
    add(`${NS}/groups/users`, ['developers', '1'], {});
  }
  if (tier !== 'consumption') {
    add(`${NS}/apis`, ['echo-api'], {
      displayName: 'Echo API', apiRevision: '1', description: '', subscriptionRequired: true, serviceUrl: 'https://echo.playground.azure-api.net/api',
      path: 'echo', protocols: ['https'], subscriptionKeyParameterNames: { header: 'Ocp-Apim-Subscription-Key', query: 'subscription-key' }, isCurrent: true,
    });
    for (const op of ECHO_OPERATIONS) {
      add(`${NS}/apis/operations`, ['echo-api', op.name], {
        displayName: op.displayName, method: op.method, urlTemplate: op.urlTemplate, templateParameters: [], description: op.description,
        request: { queryParameters: [], headers: [], representations: [], ...(op.request ?? {}) },
        responses: [{ statusCode: 200, description: op.name === 'retrieve-resource' ? 'Returned in all cases.' : '', representations: [], headers: [] }],
      });
      if (op.policy) add(`${NS}/apis/operations/policies`, ['echo-api', op.name, 'policy'], { format: 'xml', value: op.policy });
    }
  }
  if (tier === 'classic') {
    add(`${NS}/products`, ['starter'], { displayName: 'Starter', description: 'Subscribers will be able to run 5 calls/minute up to a maximum of 100 calls/week.', terms: '', subscriptionRequired: true, approvalRequired: false, subscriptionsLimit: 1, state: 'published' });
    add(`${NS}/products/policies`, ['starter', 'policy'], { format: 'xml', value: STARTER_POLICY });
    add(`${NS}/products`, ['unlimited'], { displayName: 'Unlimited', description: 'Subscribers have completely unlimited access to the API. Administrator approval is required.', subscriptionRequired: true, approvalRequired: true, subscriptionsLimit: 1, state: 'published' });
    for (const p of ['starter', 'unlimited']) {
      add(`${NS}/products/apis`, [p, 'echo-api'], {});
      for (const [g] of SYSTEM_GROUPS) add(`${NS}/products/groups`, [p, g], {});
    }
  }
  add(`${NS}/subscriptions`, ['master'], { scope: `${sid}/`, displayName: 'Built-in all-access subscription', state: 'active', allowTracing: false, createdDate: now }, keys());
  if (tier === 'classic') {
    // The admin's subscriptions are named like APIM's generated ids: 24 hex digits, the service's creation time first,
    // a counter last [obs: exported templates, `65e5b8b12b4f570036070001`/`…0002`]; the middle is derived from the id [I].
    const stem = Math.floor(ctx.clock.now() / 1000).toString(16).padStart(8, '0').slice(-8) + createHash('sha256').update(sid.toLowerCase()).digest('hex').slice(0, 12);
    ['starter', 'unlimited'].forEach((p, i) => {
      add(`${NS}/subscriptions`, [`${stem}000${i + 1}`], { ownerId: `${sid}/users/1`, scope: `${sid}/products/${p}`, state: 'active', allowTracing: false, createdDate: now }, keys());
    });
  }
  return out;
}
