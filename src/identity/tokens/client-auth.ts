import type { DirectoryObject } from '../../state/index.js';
import type { DirectoryIndex } from '../directory/directory-index.js';
import { secretMatches } from '../directory/secrets.js';
import { stsError } from './sts-error.js';

/** How the client proved who it is (`appidacr`/`azpacr`: "0" public, "1" secret, "2" certificate). */
export interface AuthenticatedClient {
  app: DirectoryObject;
  authMethod: '0' | '1' | '2';
}

/** The client's credentials as sent: form fields, or `Authorization: Basic` (client_secret_basic). */
export interface ClientCredentialsInput {
  clientId: string | undefined;
  clientSecret: string | undefined;
  clientAssertion: string | undefined;
  clientAssertionType: string | undefined;
}

/** `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1), if present and well-formed. */
export function basicCredentials(authorization: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return { id: decodeURIComponent(text.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(text.slice(colon + 1).replace(/\+/g, ' ')) };
  } catch {
    return undefined;
  }
}

export interface ClientAuthDeps {
  directory: DirectoryIndex;
  /** Verifies a certificate `client_assertion` for this app; throws an STS error when it does not hold. */
  verifyAssertion?: (app: DirectoryObject, assertion: string, tenantId: string) => void;
  /** Redeems an assertion from another issuer against the app's federated identity credentials; rejects with an STS error. */
  verifyFederatedAssertion?: (app: DirectoryObject, assertion: string) => Promise<void>;
}

/** The `iss` of a compact JWS, without verifying anything (decides certificate vs federated assertion). */
function assertionIssuer(assertion: string): unknown {
  try {
    return (JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown }).iss;
  } catch {
    return undefined;
  }
}

/**
 * A confidential client: the app registration in this tenant (AADSTS700016 when there is none), then
 * its secret (AADSTS7000215 when no password credential matches) or client assertion — a certificate assertion
 * when its `iss` is the client id (RFC 7523 as Entra's certificate credentials), otherwise another issuer's token
 * redeemed against the app's federated identity credentials; neither → AADSTS7000218.
 * `requireCredential: false` lets a public client (no secret) through with acr "0".
 */
export async function authenticateClient(deps: ClientAuthDeps, tenantId: string, input: ClientCredentialsInput, requireCredential = true): Promise<AuthenticatedClient> {
  if (input.clientId === undefined) throw stsError('missingParameter', { parameter: 'client_id' });
  const app = deps.directory.application(tenantId, input.clientId);
  if (!app) throw stsError('applicationNotFound', { appId: input.clientId, tenant: tenantId });
  if (input.clientAssertion !== undefined) {
    if (input.clientAssertionType !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      throw stsError('missingParameter', { parameter: 'client_assertion_type' });
    }
    if (assertionIssuer(input.clientAssertion) !== app.appId && deps.verifyFederatedAssertion) {
      await deps.verifyFederatedAssertion(app, input.clientAssertion);
      return { app, authMethod: '2' };
    }
    if (!deps.verifyAssertion) throw stsError('missingClientCredential');
    deps.verifyAssertion(app, input.clientAssertion, tenantId);
    return { app, authMethod: '2' };
  }
  if (input.clientSecret !== undefined) {
    const ok = (app.passwordCredentials ?? []).some((p) => secretMatches(input.clientSecret!, p));
    if (!ok) throw stsError('invalidClientSecret', { appId: app.appId });
    return { app, authMethod: '1' };
  }
  if (requireCredential) throw stsError('missingClientCredential');
  return { app, authMethod: '0' };
}
