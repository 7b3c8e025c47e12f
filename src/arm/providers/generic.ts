import { applyManagedIdentity, baseRecord } from './common.js';
import type { ResourceProvider } from './types.js';

/** Stores a resource as given (loose mode for unsupported types). */
export const genericProvider: ResourceProvider = {
  types: [],
  apply(input, ctx) {
    const record = baseRecord(input);
    applyManagedIdentity(record, ctx);
    return record;
  },
};
