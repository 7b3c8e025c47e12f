import type { FederatedIdentityCredential } from '../../state/index.js';
import { federatedCredentialRefusal } from '../../identity/index.js';
import { baseRecord, getPath } from './common.js';
import { byUniqueName, graphError, graphNotFound, isString, isStringArray, requiredProperty } from './graph-directory.js';
import type { ResourceProvider } from './types.js';

/**
 * `Microsoft.Graph/applications/federatedIdentityCredentials` (msgraph-bicep-types, generated v1.0 types.md): Bicep
 * nests it under its application, `name: '{app uniqueName}/{credential name}'`. Graph's rules for the credential are
 * the identity subsystem's one rule (`federatedCredentialRefusal`, shared with the directory file). Stored on the
 * application (listed by `trustline directory list`) and redeemed by the token endpoint (docs/identity.md).
 */
const FEDERATED_IDENTITY_CREDENTIALS = 'Microsoft.Graph/applications/federatedIdentityCredentials';

export const graphFederatedIdentityCredentialProvider: ResourceProvider = {
  types: [FEDERATED_IDENTITY_CREDENTIALS],
  apply(input, ctx) {
    const full = requiredProperty(input, ctx, 'name', isString, 'a string');
    const issuer = requiredProperty(input, ctx, 'issuer', isString, 'a string');
    const subject = requiredProperty(input, ctx, 'subject', isString, 'a string');
    const audiences = requiredProperty(input, ctx, 'audiences', isStringArray, 'an array of strings');
    const parts = full.split('/');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw graphError(input, ctx, 400, 'Request_BadRequest', `The name '${full}' must be '{application uniqueName}/{credential name}'.`);
    }
    const [uniqueName, name] = parts as [string, string];
    const description = getPath(input.properties, 'description');
    if (description !== undefined && description !== null && typeof description !== 'string') {
      throw graphError(input, ctx, 400, 'Request_BadRequest', "Invalid value specified for property 'description' of resource 'FederatedIdentityCredential'.");
    }
    const app = byUniqueName(ctx.tx, ctx.tenantId, 'application', uniqueName);
    if (!app) throw graphNotFound(input, ctx, uniqueName);
    const others = (app.federatedIdentityCredentials ?? []).filter((c) => c.name.toLowerCase() !== name.toLowerCase());
    const before = (app.federatedIdentityCredentials ?? []).find((c) => c.name.toLowerCase() === name.toLowerCase());
    const refusal = federatedCredentialRefusal({ name, issuer, subject, audiences, description }, others);
    if (refusal) throw graphError(input, ctx, 400, 'Request_BadRequest', refusal.message);
    const credential: FederatedIdentityCredential = {
      id: before?.id ?? ctx.ids.uuid(),
      name: before?.name ?? name,
      issuer,
      subject,
      audiences: [...audiences],
      ...(typeof description === 'string' ? { description } : {}),
    };
    ctx.tx.putDirectoryObject({ ...app, federatedIdentityCredentials: [...others, credential] });
    const record = baseRecord(input);
    record.properties = { ...input.properties, id: credential.id };
    return record;
  },
};
