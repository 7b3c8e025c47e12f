import { applyManagedIdentity, baseRecord } from './common.js';
import type { ResourceProvider } from './types.js';

/**
 * Any well-formed type without a provider of its own: stored as given ("stored, not simulated") with its id,
 * name, type and body, which `reference()` and the control plane answer; `provisioningState` is `Succeeded`
 * unless the body sets one. `--strict` refuses such types instead (plan.ts).
 */
export const genericProvider: ResourceProvider = {
  types: [],
  apply(input, ctx) {
    const record = baseRecord(input);
    if (record.properties['provisioningState'] === undefined) record.properties = { ...record.properties, provisioningState: 'Succeeded' };
    applyManagedIdentity(record, ctx);
    return record;
  },
};
