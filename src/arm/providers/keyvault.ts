import { applyManagedIdentity, baseRecord, getPath, invalid, leafName, previousRecord } from './common.js';
import type { ResourceProvider } from './types.js';

const NS = 'Microsoft.KeyVault/vaults';

/** `Microsoft.KeyVault/vaults`: tenantId and sku are required (as the RP says); vaultUri added. */
export const vaultProvider: ResourceProvider = {
  types: [NS],
  apply(input, ctx) {
    const tenantId = getPath(input.properties, 'tenantId');
    if (typeof tenantId !== 'string' || tenantId === '') throw invalid(input, ctx, "the property 'properties.tenantId' is required.");
    const sku = getPath(input.properties, 'sku');
    if (sku === null || typeof sku !== 'object' || typeof getPath(sku, 'name') !== 'string') throw invalid(input, ctx, "the property 'properties.sku.name' is required.");
    const record = baseRecord(input);
    record.properties = { ...record.properties, vaultUri: `https://${input.name}.vault.azure.net/`, provisioningState: 'Succeeded' };
    applyManagedIdentity(record, ctx);
    return record;
  },
};

/**
 * `Microsoft.KeyVault/vaults/secrets`: the value is kept (the deployment record never shows it: it
 * holds only non-secure parameters and outputs). A new version when the value changes, else the same.
 */
export const secretProvider: ResourceProvider = {
  types: [`${NS}/secrets`],
  apply(input, ctx) {
    const record = baseRecord(input);
    const previous = previousRecord(record, ctx);
    const vault = input.name.split('/')[0]!;
    const secret = leafName(input.name);
    const secretUri = `https://${vault}.vault.azure.net/secrets/${secret}`;
    const prevUri = previous?.properties['secretUriWithVersion'];
    const unchanged = previous !== undefined && previous.properties['value'] === input.properties['value'] && typeof prevUri === 'string';
    const version = unchanged ? (prevUri as string).slice(secretUri.length + 1) : ctx.ids.uuid().replace(/-/g, '');
    record.properties = { ...record.properties, secretUri, secretUriWithVersion: `${secretUri}/${version}` };
    return record;
  },
};

export const keyVaultProviders: ResourceProvider[] = [vaultProvider, secretProvider];
