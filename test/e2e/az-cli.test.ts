import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEED, useRunningSeed } from '../helpers/seed.js';
import { request } from 'undici';
import { useAzCli } from '../helpers/az-cli.js';
import { CALCULATOR_WSDL } from '../gateway/soap-fixtures.js';

/**
 * The real az CLI (Debian's azure-cli, /usr/bin/az) against a running twin, with its own AZURE_CONFIG_DIR:
 * it registers the twin as a cloud from the control plane's metadata/endpoints, logs in with the twin CLI's
 * service principal, deploys the seed and runs what-if. Azure's host names reach the twin through a CONNECT
 * proxy (HTTPS_PROXY); TLS is verified against the twin's CA (REQUESTS_CA_BUNDLE).
 */
describe('az CLI against the twin', () => {
  const seed = useRunningSeed('trustline-az-', ['--in-memory']);
  const cli = useAzCli(seed);
  const az = cli.az;

  it('registers the twin as a cloud, logs in with a service principal, deploys the seed, runs what-if, deploys at subscription scope, lists operations', async () => {
    const { register, login } = await cli.login();
    // (a retried run finds the cloud it registered the first time)
    if (!register.stderr.includes("The cloud 'Trustline' is already registered")) expect(register.code, register.stderr).toBe(0);
    const cloud = JSON.parse((await az(['cloud', 'show', '-n', 'Trustline', '-o', 'json'])).stdout) as { endpoints: Record<string, string> };
    expect(cloud.endpoints).toMatchObject({ activeDirectory: 'https://login.microsoftonline.com/', activeDirectoryResourceId: 'https://management.core.windows.net/', resourceManager: 'https://management.azure.com/' });
    const cred = JSON.parse(readFileSync(seed.ready.cliCredential!, 'utf8')) as { clientId: string; clientSecret: string; tenantId: string };
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(login.stdout)).toEqual([expect.objectContaining({ id: seed.ready.subscriptionId, tenantId: cred.tenantId, cloudName: 'Trustline', user: { name: cred.clientId, type: 'servicePrincipal' } })]);

    const params = `@${join(SEED, 'azuredeploy.parameters.json')}`;
    const create = await az(['deployment', 'group', 'create', '-g', seed.ready.resourceGroup, '-n', 'az-seed', '--template-file', join(SEED, 'azuredeploy.json'), '--parameters', params, '-o', 'json']);
    expect(create.code, create.stderr).toBe(0);
    const deployment = JSON.parse(create.stdout) as { name: string; properties: { provisioningState: string; outputResources: unknown[] } };
    expect(deployment.name).toBe('az-seed');
    expect(deployment.properties.provisioningState).toBe('Succeeded');
    expect(deployment.properties.outputResources).toHaveLength(7);

    const template = readFileSync(join(SEED, 'azuredeploy.json'), 'utf8').replace('"displayName": "Functions"', '"displayName": "Functions v2"');
    writeFileSync(join(cli.configDir, 'changed.json'), template);
    const whatIf = await az(['deployment', 'group', 'what-if', '-g', seed.ready.resourceGroup, '--template-file', join(cli.configDir, 'changed.json'), '--parameters', params]);
    expect(whatIf.code, whatIf.stderr).toBe(0);
    expect(whatIf.stdout).toContain(`Scope: /subscriptions/${seed.ready.subscriptionId}/resourceGroups/${seed.ready.resourceGroup}`);
    expect(whatIf.stdout).toMatch(/~ Microsoft\.ApiManagement\/service\/[^/]+\/apis\/functions \[2022-08-01\]\n\s+~ properties\.displayName: "Functions" => "Functions v2"/);
    expect(whatIf.stdout).toContain('Resource changes: 1 to modify, 6 no change.');

    // Subscription scope: `az deployment sub create` (location required) with a nested deployment into the group.
    writeFileSync(
      join(cli.configDir, 'sub.json'),
      JSON.stringify({
        $schema: 'https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#', contentVersion: '1.0.0.0',
        resources: [{ type: 'Microsoft.Resources/deployments', apiVersion: '2021-04-01', name: 'az-into-rg', resourceGroup: seed.ready.resourceGroup, properties: { mode: 'Incremental', template: { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [] } } }],
        outputs: { sub: { type: 'string', value: '[subscription().subscriptionId]' } },
      }),
    );
    const sub = await az(['deployment', 'sub', 'create', '-l', 'westeurope', '-n', 'az-sub', '--template-file', join(cli.configDir, 'sub.json'), '-o', 'json']);
    expect(sub.code, sub.stderr).toBe(0);
    expect(JSON.parse(sub.stdout)).toMatchObject({ name: 'az-sub', properties: { provisioningState: 'Succeeded', outputs: { sub: { value: seed.ready.subscriptionId } } } });
    const ops = await az(['deployment', 'operation', 'group', 'list', '-g', seed.ready.resourceGroup, '-n', 'az-seed', '-o', 'json']);
    expect(ops.code, ops.stderr).toBe(0);
    const listed = JSON.parse(ops.stdout) as Array<{ properties: { provisioningOperation: string } }>;
    expect(listed.filter((o) => o.properties.provisioningOperation === 'Create')).toHaveLength(7);
    expect(listed.filter((o) => o.properties.provisioningOperation === 'EvaluateDeploymentOutput')).toHaveLength(1);
    // The seed deployed by `trustline up` has its operations too; `az group export` polls the export and prints the template.
    const upOps = await az(['deployment', 'operation', 'group', 'list', '-g', seed.ready.resourceGroup, '-n', 'azuredeploy-1', '-o', 'json']);
    expect((JSON.parse(upOps.stdout) as unknown[]).length, upOps.stderr).toBeGreaterThan(0);
    const exported = await az(['group', 'export', '-n', seed.ready.resourceGroup, '-o', 'json']);
    expect(exported.code, exported.stderr).toBe(0);
    const exportedTemplate = JSON.parse(exported.stdout) as { resources: Array<{ type: string; name: string }> };
    expect(exportedTemplate.resources.find((r) => r.type === 'Microsoft.Web/sites')?.name).toMatch(/^\[parameters\('sites_.*_name'\)\]$/);

    writeFileSync(
      join(cli.configDir, 'bad.json'),
      JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [{ type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: "[nosuchfunction('x')]", location: 'westeurope' }] }),
    );
    const bad = await az(['deployment', 'group', 'create', '-g', seed.ready.resourceGroup, '-n', 'az-bad', '--template-file', join(cli.configDir, 'bad.json')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('InvalidTemplate');
    expect(bad.stderr).toContain('nosuchfunction');
  }, 360_000);

  it('az webapp show, config appsettings/connection-string list and list-publishing-credentials read the seed\'s Function App', async () => {
    if ((await az(['account', 'show', '-o', 'json'])).code !== 0) expect((await cli.login()).login.code).toBe(0);
    const rg = seed.ready.resourceGroup;
    // `webapp show` reads the publish profile (POST …/publishxml) for the FTP profile's publishUrl.
    const show = await az(['webapp', 'show', '-g', rg, '-n', 'trustline-func', '-o', 'json']);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ name: 'trustline-func', defaultHostName: 'trustline-func.azurewebsites.net', ftpPublishingUrl: expect.stringMatching(/^ftps:\/\/.+\/site\/wwwroot$/) as unknown });
    // `appsettings list` reads config/slotConfigNames after the settings; App Service answers it for every site.
    const settings = await az(['webapp', 'config', 'appsettings', 'list', '-g', rg, '-n', 'trustline-func', '-o', 'json']);
    expect(settings.code, settings.stderr).toBe(0);
    expect(JSON.parse(settings.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: expect.any(String) as unknown, slotSetting: false })]));
    const strings = await az(['webapp', 'config', 'connection-string', 'list', '-g', rg, '-n', 'trustline-func', '-o', 'json']);
    expect(strings.code, strings.stderr).toBe(0);
    expect(JSON.parse(strings.stdout)).toEqual([]);
    const creds = await az(['webapp', 'deployment', 'list-publishing-credentials', '-g', rg, '-n', 'trustline-func', '-o', 'json']);
    expect(creds.code, creds.stderr).toBe(0);
    const user = JSON.parse(creds.stdout) as { publishingUserName: string; publishingPassword: string; scmUri: string };
    expect(user).toMatchObject({ publishingUserName: '$trustline-func', scmUri: expect.stringContaining('@trustline-func.scm.azurewebsites.net') as unknown });
    const profiles = await az(['webapp', 'deployment', 'list-publishing-profiles', '-g', rg, '-n', 'trustline-func', '-o', 'json']);
    expect(profiles.code, profiles.stderr).toBe(0);
    const list = JSON.parse(profiles.stdout) as Array<{ publishMethod: string; userName: string; userPWD: string }>;
    expect(list.map((p) => p.publishMethod)).toEqual(['MSDeploy', 'FTP', 'ZipDeploy']);
    expect(list.every((p) => p.userPWD === user.publishingPassword)).toBe(true);
    expect(list[1]!.userName).toBe('trustline-func\\$trustline-func');
  }, 240_000);

  it('day one on a function app: az webapp auth show, az functionapp keys list|set, az webapp auth update refused on auth V2, stop/start/restart, az webapp log show', async () => {
    if ((await az(['account', 'show', '-o', 'json'])).code !== 0) expect((await cli.login()).login.code).toBe(0);
    const site = ['-g', seed.ready.resourceGroup, '-n', 'trustline-func'];
    const auth = await az(['webapp', 'auth', 'show', ...site, '-o', 'json']);
    expect(auth.code, auth.stderr).toBe(0);
    expect(JSON.parse(auth.stdout)).toMatchObject({ configVersion: 'v2', enabled: true, clientId: seed.ready.sites['trustline-func']!.clientId });
    const keys = await az(['functionapp', 'keys', 'list', ...site, '-o', 'json']);
    expect(keys.code, keys.stderr).toBe(0);
    const listed = JSON.parse(keys.stdout) as { masterKey: string; functionKeys: Record<string, string> };
    expect(listed).toMatchObject({ masterKey: expect.any(String) as unknown, functionKeys: { default: expect.any(String) as unknown } });
    const set = await az(['functionapp', 'keys', 'set', ...site, '--key-type', 'functionKeys', '--key-name', 'ci', '--key-value', 'ci-key-0123456789abcdef', '-o', 'json']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ name: 'ci', value: 'ci-key-0123456789abcdef' });
    const again = JSON.parse((await az(['functionapp', 'keys', 'list', ...site, '-o', 'json'])).stdout) as { masterKey: string; functionKeys: Record<string, string> };
    expect(again).toEqual({ ...listed, functionKeys: { ...listed.functionKeys, ci: 'ci-key-0123456789abcdef' } });
    // A classic (V1) write to a site on auth V2: App Service's 400 (azure-cli #17837).
    const update = await az(['webapp', 'auth', 'update', ...site, '--enabled', 'false', '-o', 'json']);
    expect(update.code).not.toBe(0);
    expect(update.stderr).toContain('Bad Request');
    for (const verb of ['stop', 'start', 'restart']) {
      const r = await az(['functionapp', verb, ...site]);
      expect(r.code, `${verb}: ${r.stderr}`).toBe(0);
    }
    const logs = await az(['webapp', 'log', 'show', ...site, '-o', 'json']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(JSON.parse(logs.stdout)).toMatchObject({ applicationLogs: { fileSystem: { level: 'Off' } }, httpLogs: { fileSystem: { enabled: false } } });
  }, 240_000);

  it("az functionapp function list|show|keys list|set: the seed's echo function, which no template declares, as App Service's host lists it", async () => {
    if ((await az(['account', 'show', '-o', 'json'])).code !== 0) expect((await cli.login()).login.code).toBe(0);
    const site = ['-g', seed.ready.resourceGroup, '-n', 'trustline-func'];
    const list = await az(['functionapp', 'function', 'list', ...site, '-o', 'json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ name: string }>).map((f) => f.name)).toEqual(['hello']);
    const show = await az(['functionapp', 'function', 'show', ...site, '--function-name', 'hello', '-o', 'json']);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ name: 'hello', type: 'Microsoft.Web/sites/functions', invokeUrlTemplate: 'https://trustline-func.azurewebsites.net/api/hello', isDisabled: false });
    const keys = await az(['functionapp', 'function', 'keys', 'list', ...site, '--function-name', 'hello', '-o', 'json']);
    expect(keys.code, keys.stderr).toBe(0);
    // The answer is a StringDictionary of key name → value; az prints its additional properties beside the SDK's nulls.
    const listed = JSON.parse(keys.stdout) as Record<string, string | null>;
    expect(listed).toMatchObject({ default: expect.stringMatching(/^[A-Za-z0-9_\-=]{40,}$/) as unknown, properties: null });
    const set = await az(['functionapp', 'function', 'keys', 'set', ...site, '--function-name', 'hello', '--key-name', 'ci', '--key-value', 'ci-fn-key-0123456789abcdef', '-o', 'json']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ name: 'ci', value: 'ci-fn-key-0123456789abcdef' });
    const again = JSON.parse((await az(['functionapp', 'function', 'keys', 'list', ...site, '--function-name', 'hello', '-o', 'json'])).stdout) as Record<string, string | null>;
    expect(again).toEqual({ ...listed, ci: 'ci-fn-key-0123456789abcdef' });
    const missing = await az(['functionapp', 'function', 'keys', 'list', ...site, '--function-name', 'nope', '-o', 'json']);
    expect(missing.code).not.toBe(0);
  }, 240_000);

  it('az apim api import --specification-format Wsdl: a SOAP pass-through API whose calls the gateway routes by SOAPAction', async () => {
    if ((await az(['account', 'show', '-o', 'json'])).code !== 0) expect((await cli.login()).login.code).toBe(0);
    writeFileSync(join(cli.configDir, 'calc.wsdl'), CALCULATOR_WSDL.replace(/http:\/\/trustline-func\.azurewebsites\.net\/calculator\.asmx/g, 'https://trustline-func.azurewebsites.net/api/calculator'));
    const imported = await az([
      'apim', 'api', 'import', '-g', seed.ready.resourceGroup, '--service-name', 'trustline-apim', '--api-id', 'calc', '--path', 'calc',
      '--specification-format', 'Wsdl', '--specification-path', join(cli.configDir, 'calc.wsdl'), '--soap-api-type', 'soap',
      '--wsdl-service-name', 'Calculator', '--wsdl-endpoint-name', 'CalculatorSoap', '--subscription-required', 'false', '-o', 'json',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    const ops = await az(['apim', 'api', 'operation', 'list', '-g', seed.ready.resourceGroup, '--service-name', 'trustline-apim', '--api-id', 'calc', '-o', 'json']);
    expect(ops.code, ops.stderr).toBe(0);
    expect((JSON.parse(ops.stdout) as Array<{ displayName: string; method: string; urlTemplate: string }>).map((o) => [o.displayName, o.method, o.urlTemplate]).sort())
      .toEqual([['Add', 'POST', '/?soapAction=http://tempuri.org/Add'], ['Negate', 'POST', '/?soapAction=http://tempuri.org/Negate']]);
    const call = async (action: string) => {
      const res = await request(`${seed.ready.apim['trustline-apim']!.gatewayUrl}/calc`, {
        method: 'POST', dispatcher: seed.tls, headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${action}"` },
        body: '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Add xmlns="http://tempuri.org/"><intA>1</intA><intB>2</intB></Add></s:Body></s:Envelope>',
      });
      await res.body.dump();
      return { status: res.statusCode, site: res.headers['x-trustline-site-request-id'] };
    };
    // the Add operation's call reaches the function app (whose Easy Auth wants a token the API's policy does not add)
    expect(await call('http://tempuri.org/Add')).toMatchObject({ status: 401, site: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown });
    expect(await call('http://tempuri.org/Divide')).toEqual({ status: 404, site: undefined });
  }, 240_000);
});
