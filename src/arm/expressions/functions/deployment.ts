import { armError } from '../../errors.js';
import type { ArmFunction } from '../context.js';
import { expectInt, expectString } from '../values.js';

/** Public-cloud `environment()` (AzureCloud). */
export const AZURE_CLOUD_ENVIRONMENT = {
  name: 'AzureCloud',
  gallery: 'https://gallery.azure.com/',
  graph: 'https://graph.windows.net/',
  portal: 'https://portal.azure.com',
  graphAudience: 'https://graph.windows.net/',
  activeDirectoryDataLake: 'https://datalake.azure.net/',
  batch: 'https://batch.core.windows.net/',
  media: 'https://rest.media.azure.net',
  sqlManagement: 'https://management.core.windows.net:8443/',
  vmImageAliasDoc: 'https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json',
  resourceManager: 'https://management.azure.com/',
  authentication: {
    loginEndpoint: 'https://login.microsoftonline.com/',
    audiences: ['https://management.core.windows.net/', 'https://management.azure.com/'],
    tenant: 'common',
    identityProvider: 'AAD',
  },
  suffixes: {
    acrLoginServer: '.azurecr.io',
    azureDatalakeAnalyticsCatalogAndJob: 'azuredatalakeanalytics.net',
    azureDatalakeStoreFileSystem: 'azuredatalakestore.net',
    azureFrontDoorEndpointSuffix: 'azurefd.net',
    keyvaultDns: '.vault.azure.net',
    sqlServerHostname: '.database.windows.net',
    storage: 'core.windows.net',
  },
};

function notHere(name: string): Error {
  return armError(
    'ERR_ARM_EXPRESSION_EVAL',
    `The template function '${name}' is not expected at this location. It can only be used within the default value of a parameter. Please see https://aka.ms/arm-template-expressions for usage details.`,
  );
}

function dotnetDate(ms: number, format: string): string {
  const d = new Date(ms);
  const iso = d.toISOString();
  if (format === 'u') return iso.slice(0, 19).replace('T', ' ') + 'Z';
  if (format === 's') return iso.slice(0, 19);
  if (format === 'o' || format === 'O') return iso.slice(0, 23) + '0000Z';
  const parts: Record<string, string> = {
    yyyy: iso.slice(0, 4), MM: iso.slice(5, 7), dd: iso.slice(8, 10), HH: iso.slice(11, 13), mm: iso.slice(14, 16), ss: iso.slice(17, 19),
  };
  return format.replace(/yyyy|MM|dd|HH|mm|ss/g, (t) => parts[t]!);
}

/** Scope and deployment functions. */
export const deploymentFunctions: ArmFunction[] = [
  { name: 'parameters', min: 1, max: 1, impl: ([n], env) => env.ctx.parameter(expectString(n, 'parameters', 1)) },
  { name: 'variables', min: 1, max: 1, impl: ([n], env) => env.ctx.variable(expectString(n, 'variables', 1)) },
  { name: 'deployment', min: 0, max: 0, impl: (_a, env) => env.ctx.deployment() },
  { name: 'environment', min: 0, max: 0, impl: () => structuredClone(AZURE_CLOUD_ENVIRONMENT) },
  {
    name: 'subscription',
    min: 0,
    max: 0,
    impl: (_a, { ctx }) => ({
      id: `/subscriptions/${ctx.scope.subscriptionId}`,
      subscriptionId: ctx.scope.subscriptionId,
      tenantId: ctx.scope.tenantId,
      displayName: 'Trustline',
    }),
  },
  {
    name: 'resourceGroup',
    min: 0,
    max: 0,
    impl: (_a, { ctx }) => ({
      id: `/subscriptions/${ctx.scope.subscriptionId}/resourceGroups/${ctx.scope.resourceGroup}`,
      name: ctx.scope.resourceGroup,
      type: 'Microsoft.Resources/resourceGroups',
      location: ctx.scope.location,
      properties: { provisioningState: 'Succeeded' },
    }),
  },
  {
    name: 'tenant',
    min: 0,
    max: 0,
    impl: (_a, { ctx }) => ({ countryCode: 'US', displayName: 'Trustline', id: `/tenants/${ctx.scope.tenantId}`, tenantId: ctx.scope.tenantId }),
  },
  {
    name: 'copyIndex',
    min: 0,
    max: 2,
    impl: (args, { ctx }) => {
      let loop: string | undefined;
      let offset = 0;
      if (typeof args[0] === 'string') {
        loop = args[0];
        if (args[1] !== undefined) offset = expectInt(args[1], 'copyIndex', 2);
      } else if (args[0] !== undefined) offset = expectInt(args[0], 'copyIndex', 1);
      return ctx.copyIndex(loop) + offset;
    },
  },
  {
    name: 'utcNow',
    min: 0,
    max: 1,
    impl: ([f], { ctx }) => {
      if (!ctx.parameterDefault) throw notHere('utcNow');
      return dotnetDate(ctx.parameterDefault.now(), f === undefined ? 'yyyyMMddTHHmmssZ' : expectString(f, 'utcNow', 1));
    },
  },
  {
    name: 'newGuid',
    min: 0,
    max: 0,
    impl: (_a, { ctx }) => {
      if (!ctx.parameterDefault) throw notHere('newGuid');
      return ctx.parameterDefault.newGuid();
    },
  },
];
