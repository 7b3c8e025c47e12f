// @azure/arm-appservice against the twin's control plane (own process).
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { armSetup, report } from './arm-credential.mjs';

await report(async () => {
  const { ready, credential, options } = armSetup();
  const client = new WebSiteManagementClient(credential, ready.subscriptionId, options);
  const name = process.env.SITE;
  const site = await client.webApps.get(ready.resourceGroup, name);
  const auth = await client.webApps.getAuthSettingsV2(ready.resourceGroup, name);
  const config = await client.webApps.getConfiguration(ready.resourceGroup, name);
  return {
    site: { name: site.name, kind: site.kind, defaultHostName: site.defaultHostName, principalId: site.identity?.principalId },
    auth: { name: auth.name, enabled: auth.platform?.enabled, clientId: auth.identityProviders?.azureActiveDirectory?.registration?.clientId, action: auth.globalValidation?.unauthenticatedClientAction },
    config: { name: config.name },
  };
});
