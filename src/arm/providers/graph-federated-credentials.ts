import type { FederatedIdentityCredential } from '../../state/index.js';
import { baseRecord, getPath } from './common.js';
import { byUniqueName, graphError, graphNotFound, isString, isStringArray, requiredProperty } from './graph-directory.js';
import type { ResourceProvider } from './types.js';

/**
 * `Microsoft.Graph/applications/federatedIdentityCredentials` (msgraph-bicep-types, generated v1.0 types.md): Bicep
 * nests it under its application, `name: '{app uniqueName}/{credential name}'`. Graph's rules: `name` ≤ 120
 * characters, URL friendly, immutable; `issuer` and `subject` ≤ 600 characters each and unique together within the
 * application; `audiences` exactly one value of ≤ 600 characters; at most 20 credentials per application. Stored on the
 * application (listed by `trustline directory list`); the token endpoint does not redeem them (docs/differences.md).
 */
const FEDERATED_IDENTITY_CREDENTIALS = 'Microsoft.Graph/applications/federatedIdentityCredentials';
/** Graph's limit of federated identity credentials on one application. */
export const MAX_FEDERATED_IDENTITY_CREDENTIALS = 20;
/** URL friendly: RFC 3986 unreserved characters. [I] Graph does not list them. */
const URL_FRIENDLY = /^[A-Za-z0-9._~-]+$/;

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
    const bad = (property: string) => graphError(input, ctx, 400, 'Request_BadRequest', `Invalid value specified for property '${property}' of resource 'FederatedIdentityCredential'.`);
    if (name.length > 120 || !URL_FRIENDLY.test(name)) throw bad('name');
    if (issuer.length > 600) throw bad('issuer');
    if (subject.length > 600) throw bad('subject');
    if (audiences.length !== 1 || audiences[0]!.length === 0 || audiences[0]!.length > 600) throw bad('audiences');
    const description = getPath(input.properties, 'description');
    if (description !== undefined && description !== null && (typeof description !== 'string' || description.length > 600)) throw bad('description');
    const app = byUniqueName(ctx.tx, ctx.tenantId, 'application', uniqueName);
    if (!app) throw graphNotFound(input, ctx, uniqueName);
    const others = (app.federatedIdentityCredentials ?? []).filter((c) => c.name.toLowerCase() !== name.toLowerCase());
    const before = (app.federatedIdentityCredentials ?? []).find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (others.some((c) => c.issuer === issuer && c.subject === subject)) {
      throw graphError(input, ctx, 400, 'Request_BadRequest', `FederatedIdentityCredential with issuer '${issuer}' and subject '${subject}' already exists on the application.`);
    }
    if (!before && others.length >= MAX_FEDERATED_IDENTITY_CREDENTIALS) {
      throw graphError(input, ctx, 400, 'Request_BadRequest', `The application already has the maximum of ${MAX_FEDERATED_IDENTITY_CREDENTIALS} federated identity credentials.`);
    }
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
