/**
 * The one rule for an application's federated identity credentials, used by the directory file
 * (`applications[].federatedIdentityCredentials`) and by the Microsoft Graph Bicep extension
 * (`Microsoft.Graph/applications/federatedIdentityCredentials`), so that both refuse the same input for the same reason.
 *
 * Graph's rules (Microsoft Graph federatedIdentityCredential resource type; Entra's "considerations and restrictions
 * for federated identity credentials"): `name` is 1–120 characters, URL friendly; `issuer` and `subject` are
 * required, at most 600 characters each, and the issuer + subject pair is unique on the application; `audiences` holds
 * exactly one value of at most 600 characters; `description` at most 600 characters; at most 20 credentials on one
 * application.
 *
 * Entra's words: [O] an invalid property is Graph's generic "Invalid value specified for property '{p}' of resource
 * 'FederatedIdentityCredential'."; [O] a second credential with the same issuer and subject is "The combination of
 * issuer and subject must be unique for the application. Issuer {issuer} and Subject: {subject} already exist. paramName:
 * FederatedIdentityCredential.Subject, paramValue: {subject}, objectType: Microsoft.Online.DirectoryServices.Application"
 * (Graph's answer recorded in Azure/azure-workload-identity issue 434); [I] the twenty-first credential's words and
 * "URL friendly" read as RFC 3986 unreserved characters (docs/differences.md).
 */

/** Graph's limit of federated identity credentials on one application. */
export const MAX_FEDERATED_IDENTITY_CREDENTIALS = 20;
const MAX_NAME = 120;
const MAX_VALUE = 600;
/** URL friendly: RFC 3986 unreserved characters. [I] Graph does not list them. */
const URL_FRIENDLY = /^[A-Za-z0-9._~-]+$/;

export interface FederatedCredentialCandidate {
  name: string;
  issuer: string;
  subject: string;
  audiences: readonly string[];
  description?: string | null | undefined;
}

/** Why Graph refuses a credential: the property it names (none for the count limit) and Graph's message. */
export interface FederatedCredentialRefusal {
  property?: 'name' | 'issuer' | 'subject' | 'audiences' | 'description';
  message: string;
}

const invalidProperty = (property: NonNullable<FederatedCredentialRefusal['property']>): FederatedCredentialRefusal => ({
  property,
  message: `Invalid value specified for property '${property}' of resource 'FederatedIdentityCredential'.`,
});

/**
 * Graph's refusal of `candidate` on an application that already holds `others` (its other credentials: not one of the
 * same name, which the candidate replaces), or undefined when Graph accepts it.
 */
export function federatedCredentialRefusal(
  candidate: FederatedCredentialCandidate,
  others: ReadonlyArray<Pick<FederatedCredentialCandidate, 'issuer' | 'subject'>>,
): FederatedCredentialRefusal | undefined {
  const { name, issuer, subject, audiences, description } = candidate;
  if (name.length === 0 || name.length > MAX_NAME || !URL_FRIENDLY.test(name)) return invalidProperty('name');
  if (issuer.length === 0 || issuer.length > MAX_VALUE) return invalidProperty('issuer');
  if (subject.length === 0 || subject.length > MAX_VALUE) return invalidProperty('subject');
  if (audiences.length !== 1 || audiences[0]!.length === 0 || audiences[0]!.length > MAX_VALUE) return invalidProperty('audiences');
  if (description !== undefined && description !== null && description.length > MAX_VALUE) return invalidProperty('description');
  if (others.some((c) => c.issuer === issuer && c.subject === subject)) {
    return {
      property: 'subject',
      message: `The combination of issuer and subject must be unique for the application. Issuer ${issuer} and Subject: ${subject} already exist. paramName: FederatedIdentityCredential.Subject, paramValue: ${subject}, objectType: Microsoft.Online.DirectoryServices.Application`,
    };
  }
  if (others.length >= MAX_FEDERATED_IDENTITY_CREDENTIALS) {
    return { message: `The application already has the maximum of ${MAX_FEDERATED_IDENTITY_CREDENTIALS} federated identity credentials.` };
  }
  return undefined;
}
