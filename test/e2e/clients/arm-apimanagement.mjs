// @azure/arm-apimanagement against the twin's control plane (own process).
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { all, armSetup, report } from './arm-credential.mjs';

await report(async () => {
  const { ready, credential, options } = armSetup();
  const client = new ApiManagementClient(credential, ready.subscriptionId, options);
  const service = process.env.SERVICE;
  const svc = await client.apiManagementService.get(ready.resourceGroup, service);
  const apis = await all(client.api.listByService(ready.resourceGroup, service));
  const api = await client.api.get(ready.resourceGroup, service, apis[0].name);
  // apiPolicy.get is declared isXML: the SDK drops `properties.value` of the JSON answer, against Azure too
  // (Azure/azure-sdk-for-js#31566), so the answer is also read as the SDK received it.
  let raw;
  const policy = await client.apiPolicy.get(ready.resourceGroup, service, apis[0].name, 'policy', { onResponse: (r) => (raw = JSON.parse(r.bodyAsText ?? 'null')) });
  let rawxml;
  await client.apiPolicy.get(ready.resourceGroup, service, apis[0].name, 'policy', { format: 'rawxml', onResponse: (r) => (rawxml = JSON.parse(r.bodyAsText ?? 'null')) });
  return {
    service: { name: svc.name, principalId: svc.identity?.principalId, gatewayUrl: svc.gatewayUrl },
    apis: apis.map((a) => a.name),
    api: { name: api.name, path: api.path },
    policy: { name: policy.name, type: policy.type },
    policyAnswer: { format: raw?.properties?.format, hasManagedIdentity: /authentication-managed-identity/.test(raw?.properties?.value ?? '') },
    rawxmlAnswer: { format: rawxml?.properties?.format, expression: /@\("Bearer " \+ \(string\)context\.Variables\["msi-access-token"\]\)/.test(rawxml?.properties?.value ?? '') },
  };
});
