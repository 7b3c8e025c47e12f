// @azure/arm-resources cancels a running deployment of the twin (own process, NODE_EXTRA_CA_CERTS set). The twin runs
// with a simulated provisioning time per resource (`trustline up --deployment-step-delay`), so the deployment is
// seen Running before it is canceled.
import { ResourceManagementClient } from '@azure/arm-resources';
import { all, armSetup, report } from './arm-credential.mjs';

await report(async () => {
  const { ready, credential, options } = armSetup();
  const client = new ResourceManagementClient(credential, ready.subscriptionId, options);
  const rg = ready.resourceGroup;
  const name = 'sdk-cancel';
  const count = Number(process.env.RESOURCES ?? '8');
  const template = {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    resources: Array.from({ length: count }, (_, i) => ({
      type: 'Contoso.Widgets/things', apiVersion: '2024-01-01', name: `sdk-w${i}`, location: 'westeurope', properties: { n: i }, ...(i > 0 ? { dependsOn: [`sdk-w${i - 1}`] } : {}),
    })),
  };
  const poller = await client.deployments.beginCreateOrUpdate(rg, name, { properties: { mode: 'Incremental', template } }, { updateIntervalInMs: 50 });
  const accepted = poller.getOperationState().status;
  let seen;
  for (let i = 0; i < 600; i++) {
    seen = (await client.deployments.get(rg, name)).properties?.provisioningState;
    if (seen === 'Running') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // `deployments.cancel` resolves on ARM's 204 (it throws on any error status).
  await client.deployments.cancel(rg, name);
  let pollerOutcome;
  try {
    await poller.pollUntilDone();
    pollerOutcome = { status: poller.getOperationState().status };
  } catch (e) {
    pollerOutcome = { status: poller.getOperationState().status, error: e.message };
  }
  const final = await client.deployments.get(rg, name);
  let again;
  try {
    await client.deployments.cancel(rg, name);
    again = { ok: true };
  } catch (e) {
    again = { code: e.code, statusCode: e.statusCode, message: e.message };
  }
  const operations = await all(client.deploymentOperations.list(rg, name));
  const things = (await all(client.resources.listByResourceGroup(rg))).filter((r) => r.type === 'Contoso.Widgets/things').map((r) => r.name);
  return {
    accepted,
    seen,
    pollerOutcome,
    final: { state: final.properties?.provisioningState, outputs: final.properties?.outputs ?? null },
    again,
    operations: operations.map((o) => ({ state: o.properties?.provisioningState, name: o.properties?.targetResource?.resourceName })),
    things,
    count,
  };
});
