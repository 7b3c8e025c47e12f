import { applyManagedIdentity, baseRecord, keptString, normalizedLocation, previousRecord } from './common.js';
import type { ResourceProvider } from './types.js';

/**
 * `Microsoft.Insights/components` (Application Insights): InstrumentationKey, AppId and the
 * ConnectionString as the portal shows it; the generated ids are kept on redeploy.
 */
export const appInsightsProvider: ResourceProvider = {
  types: ['Microsoft.Insights/components'],
  apply(input, ctx) {
    const record = baseRecord(input);
    const previous = previousRecord(record, ctx);
    const key = keptString(previous, 'InstrumentationKey', () => ctx.ids.uuid());
    const appId = keptString(previous, 'AppId', () => ctx.ids.uuid());
    const location = normalizedLocation(input.location);
    record.properties = {
      ...record.properties,
      ApplicationId: input.name,
      AppId: appId,
      InstrumentationKey: key,
      ConnectionString: `InstrumentationKey=${key};IngestionEndpoint=https://${location}-0.in.applicationinsights.azure.com/;LiveEndpoint=https://${location}.livediagnostics.monitor.azure.com/;ApplicationId=${appId}`,
      provisioningState: 'Succeeded',
    };
    applyManagedIdentity(record, ctx);
    return record;
  },
};

export const insightsProviders: ResourceProvider[] = [appInsightsProvider];
