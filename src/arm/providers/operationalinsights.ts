import { accessKey, applyManagedIdentity, baseRecord, keptListResult, keptString, previousRecord } from './common.js';
import type { ResourceProvider } from './types.js';

/** `Microsoft.OperationalInsights/workspaces`: customerId (workspace id) and the shared keys of listSharedKeys(), kept on redeploy. */
export const workspaceProvider: ResourceProvider = {
  types: ['Microsoft.OperationalInsights/workspaces'],
  apply(input, ctx) {
    const record = baseRecord(input);
    const previous = previousRecord(record, ctx);
    record.properties = {
      ...record.properties,
      customerId: keptString(previous, 'customerId', () => ctx.ids.uuid()),
      provisioningState: 'Succeeded',
    };
    // POST …/sharedKeys; templates read the same body through listKeys(), which the RP also answers.
    const keys = keptListResult(previous, 'sharedkeys', () => ({ primarySharedKey: accessKey(ctx), secondarySharedKey: accessKey(ctx) }));
    record.listResults = { sharedkeys: keys, listkeys: structuredClone(keys) };
    applyManagedIdentity(record, ctx);
    return record;
  },
};

export const operationalInsightsProviders: ResourceProvider[] = [workspaceProvider];
