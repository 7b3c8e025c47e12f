// @azure/arm-resources against the twin's control plane (own process, NODE_EXTRA_CA_CERTS set).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResourceManagementClient } from '@azure/arm-resources';
import { all, armSetup, report } from './arm-credential.mjs';

await report(async () => {
  const { ready, credential, options } = armSetup();
  const client = new ResourceManagementClient(credential, ready.subscriptionId, options);
  const rg = ready.resourceGroup;
  const seed = process.env.SEED_DIR;
  const template = JSON.parse(readFileSync(join(seed, 'azuredeploy.json'), 'utf8'));
  const { parameters } = JSON.parse(readFileSync(join(seed, 'azuredeploy.parameters.json'), 'utf8'));
  const poll = { updateIntervalInMs: 20 };
  const deployment = await client.deployments.beginCreateOrUpdateAndWait(rg, 'sdk-seed', { properties: { mode: 'Incremental', template, parameters } }, poll);
  const validate = await client.deployments.beginValidateAndWait(rg, 'sdk-validate', { properties: { mode: 'Incremental', template, parameters } }, poll);
  const changed = structuredClone(template);
  changed.resources.find((r) => /\/apis$/i.test(r.type)).properties.displayName = 'Changed by the SDK';
  const whatIf = await client.deployments.beginWhatIfAndWait(rg, 'sdk-whatif', { properties: { mode: 'Incremental', template: changed, parameters } }, poll);
  const operations = await all(client.deploymentOperations.list(rg, 'sdk-seed'));
  const resources = await all(client.resources.listByResourceGroup(rg));
  const apim = resources.find((r) => r.type === 'Microsoft.ApiManagement/service');
  const byId = await client.resources.getById(apim.id, '2022-08-01');
  const group = await client.resourceGroups.get(rg);
  const exists = await client.resourceGroups.checkExistence(rg);
  const missing = await client.resourceGroups.checkExistence('no-such-group');
  const deployments = await all(client.deployments.listByResourceGroup(rg));
  const subTemplate = {
    $schema: 'https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    resources: [{ type: 'Microsoft.Resources/deployments', apiVersion: '2021-04-01', name: 'sdk-into-rg', resourceGroup: rg, properties: { mode: 'Incremental', template: { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [] } } }],
    outputs: { sub: { type: 'string', value: '[subscription().subscriptionId]' } },
  };
  const atSub = await client.deployments.beginCreateOrUpdateAtSubscriptionScopeAndWait('sdk-sub', { location: 'westeurope', properties: { mode: 'Incremental', template: subTemplate } }, poll);
  const subList = await all(client.deployments.listAtSubscriptionScope());
  const exported = await client.deployments.exportTemplate(rg, 'sdk-seed');
  let failure;
  try {
    await client.deployments.beginCreateOrUpdateAndWait(rg, 'sdk-bad', { properties: { mode: 'Incremental', template: { ...template, resources: [{ type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: "[nosuchfunction('x')]" }] }, parameters } }, poll);
  } catch (e) {
    failure = { code: e.code, statusCode: e.statusCode, message: e.message };
  }
  return {
    deployment: { name: deployment.name, state: deployment.properties?.provisioningState, outputResources: deployment.properties?.outputResources?.length },
    // The body as the SDK deserialises it (DeploymentPropertiesExtended).
    body: {
      providers: deployment.properties?.providers?.map((p) => ({ namespace: p.namespace, types: p.resourceTypes?.map((t) => [t.resourceType, t.locations]) })),
      dependencies: deployment.properties?.dependencies?.map((d) => ({ type: d.resourceType, on: d.dependsOn?.map((x) => x.resourceType) })),
      parameterTypes: Object.fromEntries(Object.entries(deployment.properties?.parameters ?? {}).map(([k, v]) => [k, v.type])),
      outputTypes: Object.fromEntries(Object.entries(deployment.properties?.outputs ?? {}).map(([k, v]) => [k, v.type])),
      duration: deployment.properties?.duration,
      correlationId: deployment.properties?.correlationId,
      templateHash: deployment.properties?.templateHash,
      timestamp: deployment.properties?.timestamp instanceof Date,
    },
    validate: { state: validate.properties?.provisioningState, validated: validate.properties?.validatedResources?.length },
    whatIf: { status: whatIf.status, changes: whatIf.changes?.map((c) => ({ id: c.resourceId, changeType: c.changeType, delta: c.delta?.map((d) => ({ path: d.path, type: d.propertyChangeType, after: d.after })) })) },
    operations: operations.map((o) => ({ operation: o.properties?.provisioningOperation, state: o.properties?.provisioningState, type: o.properties?.targetResource?.resourceType })),
    resources: resources.map((r) => ({ name: r.name, type: r.type })),
    byId: { name: byId.name, principalId: byId.identity?.principalId },
    group: { name: group.name, state: group.properties?.provisioningState },
    exists: exists.body ?? exists,
    missing: missing.body ?? missing,
    deployments: deployments.map((d) => d.name),
    atSubscription: { state: atSub.properties?.provisioningState, output: atSub.properties?.outputs?.sub?.value, listed: subList.map((d) => d.name) },
    exported: Object.keys(exported.template?.resources ?? {}).length,
    failure,
  };
});
