/**
 * `context.Api`, `context.Operation`, `context.Product`, `context.Subscription`: `Id` is the identifier (the resource
 * name), `Name` the display name (docs/behaviour/apim.md §4.3; compat flag apiOperationName for Api and Operation).
 * rate-limit's `<api name>` / `<operation name>` name the display name (the identifier is taken too), `id` the identifier.
 */
import { describe, expect, it } from 'vitest';
import type { GatewayCompatFlags } from '../../src/gateway/index.js';
import { inbound, run } from './policies/run.js';
import { gatewaySuite, seedConfig, startGateway } from './helpers.js';

const NAMES = '@(context.Api.Id + "|" + context.Api.Name + "|" + context.Operation.Id + "|" + context.Operation.Name + "|" + context.Product.Id + "|" + context.Product.Name + "|" + context.Subscription.Id + "|" + context.Subscription.Name)';

async function names(flags: Partial<GatewayCompatFlags> = {}): Promise<string> {
  const r = await run(inbound(`<set-header name="x-names" exists-action="override"><value>${NAMES}</value></set-header>`), {
    url: 'https://apim.azure-api.net/echo/resource',
    api: { path: 'echo', name: 'echo-api', displayName: 'Echo API' },
    operation: { method: 'GET', urlTemplate: '/resource', name: 'retrieve-resource', displayName: 'Retrieve resource' },
    subscription: { name: 'sub-1', displayName: 'Contoso key', product: { name: 'starter', displayName: 'Starter' } },
  }, { flags });
  expect(r.status, r.body).toBe(200);
  return r.backendRequest!.headers['x-names'] as string;
}

describe('context member names', () => {
  it('Id is the identifier, Name the display name (API, operation, product, subscription)', async () => {
    expect(await names()).toBe('echo-api|Echo API|retrieve-resource|Retrieve resource|starter|Starter|sub-1|Contoso key');
    expect(await names({ apiOperationName: 'display-name' })).toBe('echo-api|Echo API|retrieve-resource|Retrieve resource|starter|Starter|sub-1|Contoso key');
  });

  it('compat flag apiOperationName identifier: Api.Name and Operation.Name answer the identifier', async () => {
    expect(await names({ apiOperationName: 'identifier' })).toBe('echo-api|echo-api|retrieve-resource|retrieve-resource|starter|Starter|sub-1|Contoso key');
  });

  it('Product.Apis: the product\'s APIs, each with its Id and Name', async () => {
    const r = await run(inbound('<set-header name="x-apis" exists-action="override"><value>@(string.Join(",", context.Product.Apis.Select(a => a.Id + "=" + a.Name + ":" + a.Path)))</value></set-header>'), {
      url: 'https://apim.azure-api.net/echo/resource', api: { path: 'echo', name: 'echo-api', displayName: 'Echo API' }, operation: { urlTemplate: '/resource' },
      subscription: { product: 'starter' },
    });
    expect(r.backendRequest!.headers['x-apis']).toBe('echo-api=Echo API:echo');
  });

  it('without a display name, Name is the identifier', async () => {
    const r = await run(inbound('<set-header name="x-n" exists-action="override"><value>@(context.Api.Name + "|" + context.Operation.Name)</value></set-header>'), {
      url: 'https://apim.azure-api.net/echo/resource', api: { path: 'echo', name: 'echo-api' }, operation: { urlTemplate: '/resource', name: 'retrieve-resource' },
    });
    expect(r.backendRequest!.headers['x-n']).toBe('echo-api|retrieve-resource');
  });
});

describe('rate-limit <api>/<operation> by display name or identifier', () => {
  const suite = gatewaySuite();

  const limited = async (child: string) => {
    const cfg = seedConfig({
      subscriptions: [{ name: 's1', scope: '/apis/functions', primaryKey: 'k1', secondaryKey: 'k2', state: 'active' }],
    }, `<policies><inbound><base/><rate-limit calls="100" renewal-period="60">${child}</rate-limit></inbound><backend><base/></backend></policies>`);
    cfg.apis[0]!.displayName = 'Functions API';
    cfg.apis[0]!.subscriptionRequired = true;
    cfg.apis[0]!.operations[0]!.displayName = 'Say hello';
    const g = await startGateway(cfg, suite.backend.origin);
    suite.gateways.push(g);
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${g.origin}/functions/hello`, { headers: { 'ocp-apim-subscription-key': 'k1' } });
      await res.text();
      statuses.push(res.status);
    }
    return statuses;
  };

  it('a child naming the API or operation (display name, identifier, id) limits it; one naming another does not', async () => {
    expect(await limited('<api name="Functions API" calls="1" renewal-period="60" />')).toEqual([200, 429]);
    expect(await limited('<api name="functions" calls="1" renewal-period="60" />')).toEqual([200, 429]);
    expect(await limited('<api id="functions" calls="1" renewal-period="60" />')).toEqual([200, 429]);
    expect(await limited('<operation name="Say hello" calls="1" renewal-period="60" />')).toEqual([200, 429]);
    expect(await limited('<api name="Other API" calls="1" renewal-period="60" />')).toEqual([200, 200]);
    expect(await limited('<api id="Functions API" calls="1" renewal-period="60" />')).toEqual([200, 200]);
  });
});
