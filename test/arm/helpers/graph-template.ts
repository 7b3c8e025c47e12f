/**
 * Bicep's Microsoft Graph extension as Bicep compiles it (languageVersion 2.0, `extensions` + `extension` on each
 * resource, the type carrying its version, no `name`): the Easy Auth app registration and the site's authsettingsV2
 * created together, the site reading the app's appId through reference().
 */
export const graphEasyAuthTemplate = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  languageVersion: '2.1-experimental',
  contentVersion: '1.0.0.0',
  parameters: { site: { type: 'string', defaultValue: 'graphsite' } },
  extensions: { microsoftGraphV1: { name: 'MicrosoftGraph', version: '1.0.0' } },
  resources: {
    app: {
      extension: 'microsoftGraphV1',
      type: 'Microsoft.Graph/applications@v1.0',
      properties: {
        uniqueName: "[format('{0}-auth', parameters('site'))]",
        displayName: 'Graph-made Easy Auth app',
        identifierUris: ["[format('api://{0}', parameters('site'))]"],
        api: { requestedAccessTokenVersion: 2 },
        appRoles: [{ id: '2f4b7a57-2c8a-4a55-b7b4-8b9b3a0c6f10', value: 'Reader', allowedMemberTypes: ['Application'], displayName: 'Reader', description: 'Reads', isEnabled: true }],
      },
    },
    sp: { extension: 'microsoftGraphV1', type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('app').appId]" }, dependsOn: ['app'] },
    caller: { type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'graph-caller', location: 'westeurope' },
    plan: { type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-01', name: 'graph-plan', location: 'westeurope', sku: { name: 'Y1' }, kind: 'functionapp', properties: {} },
    site: {
      type: 'Microsoft.Web/sites',
      apiVersion: '2022-09-01',
      name: "[parameters('site')]",
      location: 'westeurope',
      kind: 'functionapp',
      properties: { serverFarmId: "[resourceId('Microsoft.Web/serverfarms', 'graph-plan')]" },
      dependsOn: ['plan'],
    },
    auth: {
      type: 'Microsoft.Web/sites/config',
      apiVersion: '2022-09-01',
      name: "[format('{0}/authsettingsV2', parameters('site'))]",
      properties: {
        platform: { enabled: true },
        globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
        identityProviders: {
          azureActiveDirectory: {
            enabled: true,
            registration: { clientId: "[reference('app').appId]", openIdIssuer: "[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, tenant().tenantId)]" },
            validation: { allowedAudiences: ["[format('api://{0}', parameters('site'))]"] },
          },
        },
      },
      dependsOn: ['site', 'sp'],
    },
  },
  outputs: {
    appId: { type: 'string', value: "[reference('app').appId]" },
    objectId: { type: 'string', value: "[reference('app').id]" },
    spId: { type: 'string', value: "[reference('sp').id]" },
  },
};

