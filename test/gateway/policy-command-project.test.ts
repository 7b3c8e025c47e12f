/**
 * `trustline policy compile|run` read the project file (trustline.json) as `trustline up` and `trustline deploy` do:
 * its `compat.gateway` flags change how a policy compiles and runs, under `policy run` and in the deployed twin alike
 * (one compile path, src/gateway/compile-service.ts loadScopePolicy).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { main } from '../../src/cli/index.js';
import { findProjectFile } from '../../src/cli/config/project-file.js';
import { mergeUpConfig } from '../../src/cli/config/up-config.js';

const TENANT = '5b1c7e2d-3a4f-4b6c-8d9e-0f1a2b3c4d5e';
const SVC = 'Microsoft.ApiManagement/service';
/** A named value whose text holds an XML entity: a header carries it as written after the XML is read, decoded before. */
const NV = 'a&amp;b';
const POLICY = '<policies><inbound><return-response><set-status code="200" reason="OK" /><set-header name="x-nv" exists-action="override"><value>{{nv}}</value></set-header></return-response></inbound><backend><base /></backend><outbound /><on-error /></policies>';

const dirs: string[] = [];
const twins: Array<{ twin: Twin; tls: Agent }> = [];
afterAll(async () => {
  for (const t of twins) {
    await t.tls.close();
    await t.twin.close();
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A project folder: trustline.json with the given compat flags (none: no project file), the policy, its request and named values. */
function project(compat: Record<string, unknown> | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'policy-project-'));
  dirs.push(dir);
  if (compat) writeFileSync(join(dir, 'trustline.json'), JSON.stringify({ compat }));
  writeFileSync(join(dir, 'policy.xml'), POLICY);
  writeFileSync(join(dir, 'nv.json'), JSON.stringify({ nv: NV }));
  writeFileSync(join(dir, 'request.json'), JSON.stringify({ method: 'GET', url: 'https://trustline-apim.azure-api.net/nv/x', api: { path: 'nv' }, operation: { method: 'GET', urlTemplate: '/x' } }));
  return dir;
}

async function cli(args: string[], cwd: string) {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), cwd });
  return { code, out, err };
}

/** The header `x-nv` under `trustline policy run` in the folder. */
async function policyRunHeader(dir: string): Promise<unknown> {
  const r = await cli(['policy', 'run', 'policy.xml', '--request', 'request.json', '--named-values', 'nv.json', '--json'], dir);
  expect(r.code, r.err).toBe(0);
  return (JSON.parse(r.out) as { headers: Record<string, unknown> }).headers['x-nv'];
}

/** The header `x-nv` from a twin started with the folder's project file (as `trustline up` merges it), the policy deployed. */
async function deployedHeader(dir: string): Promise<string | string[] | undefined> {
  const config = mergeUpConfig({ dirs: [], template: [], parameters: [], backend: [], directory: [], imdsIdentity: [] }, findProjectFile(dir), dir);
  const twin = await startTwin({
    stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000061', resourceGroup: 'rg-policy', location: 'westeurope',
    controlPlaneAuth: false, clock: systemClock, ids: randomIds, logger: silentLogger, compat: config.compat,
  });
  const tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  twins.push({ twin, tls });
  const name = 'policy-apim';
  await twin.deploy({
    deploymentName: 'd', template: {
      resources: [
        { type: SVC, apiVersion: '2022-08-01', name, location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, properties: { publisherEmail: 'a@contoso.com', publisherName: 'C' } },
        { type: `${SVC}/namedValues`, apiVersion: '2022-08-01', name: `${name}/nv`, dependsOn: [name], properties: { displayName: 'nv', value: NV } },
        { type: `${SVC}/apis`, apiVersion: '2022-08-01', name: `${name}/nv-api`, dependsOn: [name], properties: { displayName: 'NV', path: 'nv', protocols: ['https'], serviceUrl: 'https://backend.example.net', subscriptionRequired: false } },
        { type: `${SVC}/apis/operations`, apiVersion: '2022-08-01', name: `${name}/nv-api/get-x`, dependsOn: [`${name}/nv-api`], properties: { displayName: 'x', method: 'GET', urlTemplate: '/x' } },
        { type: `${SVC}/apis/policies`, apiVersion: '2022-08-01', name: `${name}/nv-api/policy`, dependsOn: [`${name}/nv-api`, `${name}/nv`], properties: { format: 'xml', value: POLICY } },
      ],
    },
  });
  const res = await request(`${twin.ready().apim[name]!.gatewayUrl}/nv/x`, { dispatcher: tls });
  await res.body.text();
  expect(res.statusCode).toBe(200);
  return res.headers['x-nv'];
}

describe('trustline policy compile|run honour trustline.json as up/deploy do', () => {
  it('compat.gateway.namedValuesAfterXmlParse changes the header under policy run and in the deployed twin alike', async () => {
    const dflt = project(undefined);
    const textual = project({ gateway: { namedValuesAfterXmlParse: false } });
    // Default: the named value is text put into the parsed document, its entity kept as written.
    expect(await policyRunHeader(dflt)).toBe(NV);
    expect(await deployedHeader(dflt)).toBe(NV);
    // The project file's flag: replaced in the text before it is read, so the entity is decoded, in both paths.
    expect(await policyRunHeader(textual)).toBe('a&b');
    expect(await deployedHeader(textual)).toBe('a&b');
  });

  it('policy compile: a named value with a quote in an attribute compiles by default, and is refused under the flag as a deployment is', async () => {
    const dir = project({ gateway: { namedValuesAfterXmlParse: false } });
    writeFileSync(join(dir, 'attr.xml'), '<policies><inbound><set-variable name="m" value="{{msg}}" /></inbound></policies>');
    writeFileSync(join(dir, 'msg.json'), JSON.stringify({ msg: 'Say "please"' }));
    const refused = await cli(['policy', 'compile', 'attr.xml', '--named-values', 'msg.json'], dir);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('ERR_APIM_POLICY_XML');
    // The same file elsewhere (no project file): the default flag, it compiles.
    const other = project(undefined);
    writeFileSync(join(other, 'attr.xml'), readFileSync(join(dir, 'attr.xml')));
    writeFileSync(join(other, 'msg.json'), readFileSync(join(dir, 'msg.json')));
    const ok = await cli(['policy', 'compile', 'attr.xml', '--named-values', 'msg.json'], other);
    expect(ok.code, ok.err).toBe(0);
  });

  it('trustline.json loose applies to policy compile as to up (--loose need not be repeated)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-project-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'bad.xml'), '<policies><inbound><no-such-policy/></inbound></policies>');
    expect((await cli(['policy', 'compile', 'bad.xml'], dir)).code).toBe(1);
    writeFileSync(join(dir, 'trustline.json'), JSON.stringify({ loose: true }));
    const loose = await cli(['policy', 'compile', 'bad.xml'], dir);
    expect(loose.code).toBe(0);
    expect(loose.err).toContain('warning: ERR_APIM_POLICY_UNKNOWN_ELEMENT');
  });
});
