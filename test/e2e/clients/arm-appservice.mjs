// @azure/arm-appservice against the twin's control plane (own process).
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { armSetup, report } from './arm-credential.mjs';

await report(async () => {
  const { ready, credential, options } = armSetup();
  const client = new WebSiteManagementClient(credential, ready.subscriptionId, options);
  const rg = ready.resourceGroup;
  const name = process.env.SITE;
  const site = await client.webApps.get(rg, name);
  const auth = await client.webApps.getAuthSettingsV2(rg, name);
  const config = await client.webApps.getConfiguration(rg, name);
  const appSettings = await client.webApps.listApplicationSettings(rg, name);
  // A deployment slot written through the SDK: created, its own authentication settings, read back.
  const slot = await client.webApps.beginCreateOrUpdateSlotAndWait(rg, name, 'staging', { location: site.location, kind: site.kind, siteConfig: { appSettings: [{ name: 'SLOT', value: 'staging' }] } }, { updateIntervalInMs: 20 });
  await client.webApps.updateAuthSettingsV2Slot(rg, name, 'staging', {
    platform: { enabled: true },
    globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return403' },
    identityProviders: auth.identityProviders,
  });
  const slotAuth = await client.webApps.getAuthSettingsV2Slot(rg, name, 'staging');
  const slotSettings = await client.webApps.listApplicationSettingsSlot(rg, name, 'staging');
  return {
    site: { name: site.name, kind: site.kind, defaultHostName: site.defaultHostName, principalId: site.identity?.principalId },
    auth: { name: auth.name, enabled: auth.platform?.enabled, clientId: auth.identityProviders?.azureActiveDirectory?.registration?.clientId, action: auth.globalValidation?.unauthenticatedClientAction },
    config: { name: config.name },
    appSettings: appSettings.properties,
    slot: { name: slot.name, defaultHostName: slot.defaultHostName },
    slotAuth: { name: slotAuth.name, action: slotAuth.globalValidation?.unauthenticatedClientAction },
    slotSettings: slotSettings.properties,
  };
});
