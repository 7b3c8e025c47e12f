import { accessKey, applyManagedIdentity, baseRecord, invalid, keptListResult, previousRecord } from './common.js';
import { storageEndpoints } from './read-only-properties.js';
import type { ProviderContext, ResourceInput, ResourceProvider } from './types.js';

const NS = 'Microsoft.Storage/storageAccounts';

export interface StorageKey {
  keyName: string;
  value: string;
  permissions: 'FULL';
  creationTime: string;
}

function validateAccount(input: ResourceInput, ctx: ProviderContext): void {
  if (!/^[a-z0-9]{3,24}$/.test(input.name)) {
    // Azure: AccountNameInvalid
    throw invalid(input, ctx, `${input.name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.`);
  }
  if (typeof input.kind !== 'string' || input.kind === '') throw invalid(input, ctx, "the property 'kind' is required.");
  const sku = input.sku as { name?: unknown } | undefined;
  if (sku === null || typeof sku !== 'object' || typeof sku.name !== 'string' || sku.name === '') {
    throw invalid(input, ctx, "the property 'sku.name' is required.");
  }
}

/** `Microsoft.Storage/storageAccounts`: endpoints as ARM GET shows them; two access keys for listKeys(), kept on redeploy. */
export const storageAccountProvider: ResourceProvider = {
  types: [NS],
  apply(input, ctx) {
    validateAccount(input, ctx);
    const record = baseRecord(input);
    const previous = previousRecord(record, ctx);
    const name = input.name;
    record.properties = {
      ...record.properties,
      provisioningState: 'Succeeded',
      primaryEndpoints: storageEndpoints(name),
    };
    const created = new Date(ctx.clock.now()).toISOString();
    const key = (keyName: string): StorageKey => ({ keyName, value: accessKey(ctx), permissions: 'FULL', creationTime: created });
    record.listResults = { listkeys: keptListResult(previous, 'listkeys', () => ({ keys: [key('key1'), key('key2')] })) };
    applyManagedIdentity(record, ctx);
    return record;
  },
};

/** Services and their containers/shares/queues/tables: stored as given. */
export const storageChildProvider: ResourceProvider = {
  types: [
    `${NS}/blobServices`,
    `${NS}/blobServices/containers`,
    `${NS}/fileServices`,
    `${NS}/fileServices/shares`,
    `${NS}/queueServices`,
    `${NS}/queueServices/queues`,
    `${NS}/tableServices`,
    `${NS}/tableServices/tables`,
  ],
  apply(input) {
    return baseRecord(input);
  },
};

export const storageProviders: ResourceProvider[] = [storageAccountProvider, storageChildProvider];
