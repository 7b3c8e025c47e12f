/**
 * A consumption plan, a function app and its authsettingsV2 (Entra provider registered with the Graph-made app's appId,
 * read with `reference('app')`), as languageVersion 2.0 symbolic resources `plan`, `site`, `auth`.
 */
export function functionWithEasyAuth(o: { site: string; plan: string; openIdIssuer: string; validation: Record<string, unknown>; authDependsOn: string[] }) {
  const planName = o.plan.startsWith('[') ? o.plan.slice(1, -1) : `'${o.plan}'`;
  return {
    plan: { type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-01', name: o.plan, location: 'westeurope', sku: { name: 'Y1' }, kind: 'functionapp', properties: {} },
    site: {
      type: 'Microsoft.Web/sites',
      apiVersion: '2022-09-01',
      name: o.site,
      location: 'westeurope',
      kind: 'functionapp',
      properties: { serverFarmId: `[resourceId('Microsoft.Web/serverfarms', ${planName})]` },
      dependsOn: ['plan'],
    },
    auth: {
      type: 'Microsoft.Web/sites/config',
      apiVersion: '2022-09-01',
      name: `[format('{0}/authsettingsV2', ${o.site.slice(1, -1)})]`,
      properties: {
        platform: { enabled: true },
        globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
        identityProviders: { azureActiveDirectory: { enabled: true, registration: { clientId: "[reference('app').appId]", openIdIssuer: o.openIdIssuer }, validation: o.validation } },
      },
      dependsOn: o.authDependsOn,
    },
  };
}

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
    ...functionWithEasyAuth({
      site: "[parameters('site')]",
      plan: 'graph-plan',
      openIdIssuer: "[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, tenant().tenantId)]",
      validation: { allowedAudiences: ["[format('api://{0}', parameters('site'))]"] },
      authDependsOn: ['site', 'sp'],
    }),
  },
  outputs: {
    appId: { type: 'string', value: "[reference('app').appId]" },
    objectId: { type: 'string', value: "[reference('app').id]" },
    spId: { type: 'string', value: "[reference('sp').id]" },
  },
};


/** The app role the function's registration defines and the APIM managed identity is granted (appRoleAssignedTo). */
export const ORDERS_READ_ROLE = '5b1f0e3a-7c9d-4e2b-8a6f-1d3c5e7a9b01';

const graphExt = 'microsoftGraphV1';
const uami = 'Microsoft.ManagedIdentity/userAssignedIdentities';

/**
 * The mission's chain in one template: the function's app registration (with an app role) and its service principal,
 * the site's authsettingsV2 allowing only the APIM identity's client id (allowedApplications), APIM calling the site
 * with a user-assigned identity (authentication-managed-identity client-id), and — when `grant` is true — that
 * identity granted the role with `Microsoft.Graph/appRoleAssignedTo`. Everything is named after `prefix`.
 */
export const graphChainTemplate = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  languageVersion: '2.0',
  contentVersion: '1.0.0.0',
  parameters: { prefix: { type: 'string' }, grant: { type: 'bool', defaultValue: true } },
  variables: { audience: "[format('api://{0}-api', parameters('prefix'))]", site: "[format('{0}-fn', parameters('prefix'))]", apim: "[format('{0}-apim', parameters('prefix'))]" },
  extensions: { [graphExt]: { name: 'MicrosoftGraph', version: '1.0.0' } },
  resources: {
    app: {
      extension: graphExt,
      type: 'Microsoft.Graph/applications@v1.0',
      properties: {
        uniqueName: "[format('{0}-api', parameters('prefix'))]",
        displayName: "[format('{0} function API', parameters('prefix'))]",
        identifierUris: ["[variables('audience')]"],
        appRoles: [{ id: ORDERS_READ_ROLE, value: 'Orders.Read', allowedMemberTypes: ['Application'], displayName: 'Read orders', description: 'Read orders', isEnabled: true }],
      },
    },
    sp: { extension: graphExt, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('app').appId]" }, dependsOn: ['app'] },
    caller: { type: uami, apiVersion: '2023-01-31', name: "[format('{0}-apim-id', parameters('prefix'))]", location: 'westeurope' },
    grant: {
      condition: "[parameters('grant')]",
      extension: graphExt,
      type: 'Microsoft.Graph/appRoleAssignedTo@v1.0',
      properties: { principalId: "[reference('caller').principalId]", resourceId: "[reference('sp').id]", appRoleId: ORDERS_READ_ROLE },
      dependsOn: ['caller', 'sp'],
    },
    ...functionWithEasyAuth({
      site: "[variables('site')]",
      plan: "[format('{0}-plan', parameters('prefix'))]",
      openIdIssuer: "[format('https://sts.windows.net/{0}/', tenant().tenantId)]",
      validation: { allowedAudiences: ["[variables('audience')]"], defaultAuthorizationPolicy: { allowedApplications: ["[reference('caller').clientId]"] } },
      authDependsOn: ['site', 'sp', 'caller'],
    }),
    apim: {
      type: 'Microsoft.ApiManagement/service',
      apiVersion: '2022-08-01',
      name: "[variables('apim')]",
      location: 'westeurope',
      sku: { name: 'Consumption', capacity: 0 },
      identity: { type: 'UserAssigned', userAssignedIdentities: { "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', format('{0}-apim-id', parameters('prefix')))]": {} } },
      properties: { publisherEmail: 'ops@example.com', publisherName: 'Ops' },
      dependsOn: ['caller'],
    },
    api: {
      type: 'Microsoft.ApiManagement/service/apis',
      apiVersion: '2022-08-01',
      name: "[format('{0}/orders', variables('apim'))]",
      properties: { displayName: 'Orders', path: 'orders', protocols: ['https'], serviceUrl: "[format('https://{0}.azurewebsites.net/api', variables('site'))]", subscriptionRequired: false },
      dependsOn: ['apim', 'site'],
    },
    op: { type: 'Microsoft.ApiManagement/service/apis/operations', apiVersion: '2022-08-01', name: "[format('{0}/orders/hello', variables('apim'))]", properties: { displayName: 'hello', method: 'GET', urlTemplate: '/hello' }, dependsOn: ['api'] },
    policy: {
      type: 'Microsoft.ApiManagement/service/apis/policies',
      apiVersion: '2022-08-01',
      name: "[format('{0}/orders/policy', variables('apim'))]",
      properties: {
        format: 'rawxml',
        value: "[format('<policies><inbound><base /><authentication-managed-identity resource=\"{0}\" client-id=\"{1}\" /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>', variables('audience'), reference('caller').clientId)]",
      },
      dependsOn: ['api', 'caller'],
    },
  },
  outputs: { appId: { type: 'string', value: "[reference('app').appId]" }, callerClientId: { type: 'string', value: "[reference('caller').clientId]" } },
};
