import { describe, it, expect } from 'vitest';
import { deploy, loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { RG, SEED_PARAMETERS, SEED_TEMPLATE, setup } from './helpers/seed.js';

// A function of the app's code (the seed's `hello`, which no `Microsoft.Web/sites/functions` resource declares): App
// Service answers `POST {site}/functions/{name}/listkeys` from the Functions host, which created the function's `default`
// key with the function (docs/behaviour/app-service.md §4). The twin keeps those keys on the site
// (`listResults['functions/{name}/listkeys']`, src/runtime/control-plane/code-functions.ts), so a template's listKeys()
// must answer exactly them, and a redeployment of the site must not lose them.
const SITE = `${RG}/providers/Microsoft.Web/sites/trustline-func`;
const SLOT = 'functions/hello/listkeys';
const FUNCTION_KEY = /^[A-Za-z0-9_-]{54}==$/;

const seed = () => ({ deploymentName: 'seed', template: loadTemplateFile(SEED_TEMPLATE), parameters: loadParametersFile(SEED_PARAMETERS) });

const HELLO = "resourceId('Microsoft.Web/sites/functions', 'trustline-func', 'hello')";

function readKeys(name = 'keys', target = HELLO) {
  const outputs: Record<string, unknown> = { all: { type: 'object', value: `[listKeys(${target}, '2022-09-01')]` } };
  if (target === HELLO) outputs['key'] = { type: 'string', value: `[listKeys(${target}, '2022-09-01').default]` };
  return { deploymentName: name, template: { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', resources: [], outputs } };
}

describe('deploy: listKeys() of a function of the app code', () => {
  it('answers the keys the twin keeps on the site for it (set through the control plane)', () => {
    const { store, options } = setup();
    deploy(seed(), options);
    const keys = { default: 'k'.repeat(40), ci: 'c'.repeat(32) };
    store.transaction((tx) => tx.putResource({ ...tx.getResource(SITE)!, listResults: { ...tx.getResource(SITE)!.listResults, [SLOT]: keys } }));
    const result = deploy(readKeys(), options);
    expect(result.outputs['key']).toEqual({ type: 'String', value: keys.default });
    expect(result.outputs['all']).toEqual({ type: 'Object', value: keys });
  });

  it('mints the default key as the host does on the first read, keeps it on the site, and answers it again', () => {
    const { store, options } = setup();
    deploy(seed(), options);
    const first = deploy(readKeys(), options).outputs['key']!.value as string;
    expect(first).toMatch(FUNCTION_KEY);
    expect(store.getResource(SITE)!.listResults![SLOT]).toEqual({ default: first });
    expect(deploy(readKeys('again'), options).outputs['key']).toEqual({ type: 'String', value: first });
  });

  it('a redeployment of the site keeps the keys of its code functions and its host keys', () => {
    const { store, options } = setup();
    deploy(seed(), options);
    const key = deploy(readKeys(), options).outputs['key']!.value;
    const host = deploy(readKeys('host', "format('{0}/host/default', resourceId('Microsoft.Web/sites', 'trustline-func'))"), options).outputs['all']!.value;
    deploy({ ...seed(), deploymentName: 'seed-2' }, options);
    expect(store.getResource(SITE)!.listResults).toEqual({ [SLOT]: { default: key }, 'host/default/listkeys': host });
    expect(deploy(readKeys('after'), options).outputs['key']).toEqual({ type: 'String', value: key });
  });
});

describe('deploy: listSecrets() of a function answers the key its listKeys() answers', () => {
  it('a function of the app code: {key, trigger_url} with the default key kept on the site', () => {
    const { store, options } = setup();
    deploy(seed(), options);
    const out = deploy(readKeys('secrets'), options);
    const key = out.outputs['key']!.value as string;
    const secrets = deploy(
      { deploymentName: 's', template: { resources: [], outputs: { s: { type: 'object', value: `[listSecrets(${HELLO}, '2022-09-01')]` } } } },
      options,
    ).outputs['s']!.value;
    expect(secrets).toEqual({ key, trigger_url: `https://trustline-func.azurewebsites.net/api/hello?code=${encodeURIComponent(key)}` });
    expect(store.getResource(SITE)!.listResults![SLOT]).toEqual({ default: key });
  });

  it('listSecrets() first mints the keys listKeys() answers later', () => {
    const { options } = setup();
    deploy(seed(), options);
    const secrets = deploy(
      { deploymentName: 's', template: { resources: [], outputs: { s: { type: 'object', value: `[listSecrets(${HELLO}, '2022-09-01')]` } } } },
      options,
    ).outputs['s']!.value as { key: string };
    expect(secrets.key).toMatch(FUNCTION_KEY);
    expect(deploy(readKeys(), options).outputs['key']).toEqual({ type: 'String', value: secrets.key });
  });

  it('a declared sites/functions resource: its own default key and its HTTP trigger route', () => {
    const { store, options } = setup();
    const fn = "resourceId('Microsoft.Web/sites/functions', 'fn', 'orders')";
    const template = {
      resources: [
        { type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: 'fn', kind: 'functionapp', properties: {} },
        {
          type: 'Microsoft.Web/sites/functions',
          apiVersion: '2022-09-01',
          name: 'fn/orders',
          dependsOn: ['fn'],
          properties: { config: { bindings: [{ type: 'httpTrigger', direction: 'in', name: 'req', authLevel: 'function', route: 'shop/orders' }] } },
        },
      ],
      outputs: {
        url: { type: 'string', value: `[listSecrets(${fn}, '2022-09-01').trigger_url]` },
        key: { type: 'string', value: `[listKeys(${fn}, '2022-09-01').default]` },
      },
    };
    const out = deploy({ deploymentName: 'd', template }, options).outputs;
    const stored = (store.getResource(`${RG}/providers/Microsoft.Web/sites/fn/functions/orders`)!.listResults!['listkeys'] as { default: string }).default;
    expect(out['key']).toEqual({ type: 'String', value: stored });
    expect(out['url']).toEqual({ type: 'String', value: `https://fn.azurewebsites.net/api/shop/orders?code=${encodeURIComponent(stored)}` });
  });
});

describe('deploy: a deployment slot of a function app', () => {
  it("listKeys()/listSecrets() of a function of the slot's code answer the keys kept on the slot", () => {
    const { store, options } = setup();
    deploy(seed(), options);
    const fn = "resourceId('Microsoft.Web/sites/slots/functions', 'trustline-func', 'staging', 'hello')";
    const template = {
      resources: [{ type: 'Microsoft.Web/sites/slots', apiVersion: '2022-09-01', name: 'trustline-func/staging', location: 'westeurope', kind: 'functionapp,linux', properties: {} }],
      outputs: {
        key: { type: 'string', value: `[listKeys(${fn}, '2022-09-01').default]` },
        url: { type: 'string', value: `[listSecrets(${fn}, '2022-09-01').trigger_url]` },
      },
    };
    const out = deploy({ deploymentName: 'slot', template }, options).outputs;
    const key = out['key']!.value as string;
    expect(key).toMatch(FUNCTION_KEY);
    expect(out['url']).toEqual({ type: 'String', value: `https://trustline-func-staging.azurewebsites.net/api/hello?code=${encodeURIComponent(key)}` });
    expect(store.getResource(`${SITE}/slots/staging`)!.listResults![SLOT]).toEqual({ default: key });
  });
});
