import { stableId } from './stable-id.js';

/**
 * The object id of an application's service principal in its tenant, as the twin derives it (the same for an app a
 * directory file declares and for one Easy Auth's express set-up creates, so either keeps it when the other takes over).
 */
export const servicePrincipalIdFor = (tenantId: string, appId: string): string => stableId(tenantId, 'service-principal', appId);
