import type { IdentityService } from '../identity/index.js';
import type { ManagedIdentityTokenProvider } from '../gateway/index.js';

/**
 * The managed identity token source of the APIM service `serviceId`, as its gateway uses it: the system-assigned
 * identity of that resource, or the user-assigned identity `clientId` names (the identity subsystem's issuance, the
 * same tokens the MI endpoint answers). `trustline lint` mints the chain's tokens through the same function.
 */
export function managedIdentityTokens(identity: IdentityService, serviceId: string): ManagedIdentityTokenProvider {
  return {
    async getToken(req: { resource: string; clientId?: string }) {
      const t = await identity.issueManagedIdentityToken({ resource: req.resource, clientId: req.clientId, ownerResourceId: req.clientId ? undefined : serviceId });
      return { accessToken: t.access_token, expiresOnSeconds: Number(t.expires_on) };
    },
  };
}
