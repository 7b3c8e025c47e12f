import { armError } from '../../errors.js';
import { uuidV5 } from '../../../core/index.js';
import type { ArmFunction, FunctionEnv, ScopeKind } from '../context.js';
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

function scopeError(name: string, where: string): Error {
  return armError(
    'ERR_ARM_EXPRESSION_EVAL',
    `The template function '${name}' is not expected at this location: it is not available in a deployment at ${where} scope. Please see https://aka.ms/arm-template-expressions for usage details.`,
  );
}

const kindOf = (ctx: FunctionEnv['ctx']): ScopeKind => ctx.scope.kind ?? 'resourceGroup';
const SCOPE_WORDS: Record<ScopeKind, string> = { resourceGroup: 'resource group', subscription: 'subscription', managementGroup: 'management group', tenant: 'tenant' };

/** The twin's deploying principal (docs/differences.md): a stable object id per tenant, no user principal name. */
export function twinDeployer(tenantId: string): { objectId: string; tenantId: string; userPrincipalName: string } {
  return { objectId: uuidV5('11fb06fb-712d-4ddd-98c7-e71bbd588830', `trustline-deployer-${tenantId.toLowerCase()}`), tenantId, userPrincipalName: '' };
}

/** A management group as `managementGroup()` answers it (the twin's tenant root group is its parent). */
export function managementGroupInfo(name: string, tenantId: string): Record<string, unknown> {
  return {
    id: `/providers/Microsoft.Management/managementGroups/${name}`,
    name,
    type: 'Microsoft.Management/managementGroups',
    properties: {
      tenantId,
      displayName: name,
      details: {
        parent: { id: `/providers/Microsoft.Management/managementGroups/${tenantId}`, name: tenantId, displayName: 'Tenant Root Group' },
      },
    },
  };
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
    impl: (_a, { ctx }) => {
      const kind = kindOf(ctx);
      if (kind === 'managementGroup' || kind === 'tenant') throw scopeError('subscription', SCOPE_WORDS[kind]);
      return {
        id: `/subscriptions/${ctx.scope.subscriptionId}`,
        subscriptionId: ctx.scope.subscriptionId,
        tenantId: ctx.scope.tenantId,
        displayName: 'Trustline',
      };
    },
  },
  {
    name: 'resourceGroup',
    min: 0,
    max: 0,
    impl: (_a, { ctx }) => {
      const kind = kindOf(ctx);
      if (kind !== 'resourceGroup') throw scopeError('resourceGroup', SCOPE_WORDS[kind]);
      return {
        id: `/subscriptions/${ctx.scope.subscriptionId}/resourceGroups/${ctx.scope.resourceGroup}`,
        name: ctx.scope.resourceGroup,
        type: 'Microsoft.Resources/resourceGroups',
        location: ctx.scope.location,
        tags: {},
        properties: { provisioningState: 'Succeeded' },
      };
    },
  },
  {
    name: 'managementGroup',
    min: 0,
    max: 1,
    impl: ([n], { ctx }) => {
      if (n !== undefined) return managementGroupInfo(expectString(n, 'managementGroup', 1), ctx.scope.tenantId);
      const kind = kindOf(ctx);
      if (kind !== 'managementGroup' || !ctx.scope.managementGroup) throw scopeError('managementGroup', SCOPE_WORDS[kind]);
      return managementGroupInfo(ctx.scope.managementGroup, ctx.scope.tenantId);
    },
  },
  {
    name: 'tenant',
    min: 0,
    max: 0,
    impl: (_a, { ctx }) => ({ countryCode: 'US', displayName: 'Trustline', id: `/tenants/${ctx.scope.tenantId}`, tenantId: ctx.scope.tenantId }),
  },
  { name: 'deployer', min: 0, max: 0, impl: (_a, { ctx }) => twinDeployer(ctx.scope.tenantId) },
  {
    name: 'fail',
    min: 1,
    max: 1,
    impl: ([m]) => {
      throw armError('ERR_ARM_EXPRESSION_EVAL', `The template function 'fail' was called: ${expectString(m, 'fail', 1)}`, undefined, { fail: true });
    },
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
    name: 'newGuid',
    min: 0,
    max: 0,
    impl: (_a, { ctx }) => {
      if (!ctx.parameterDefault) {
        throw armError(
          'ERR_ARM_EXPRESSION_EVAL',
          "The template function 'newGuid' is not expected at this location. It can only be used within the default value of a parameter. Please see https://aka.ms/arm-template-expressions for usage details.",
        );
      }
      return ctx.parameterDefault.newGuid();
    },
  },
];
