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
}

/**
 * A confidential client: the app registration in this tenant (AADSTS700016 when there is none), then
 * its secret (AADSTS7000215 when no password credential matches) or certificate assertion; neither →
 * AADSTS7000218. `requireCredential: false` lets a public client (no secret) through with acr "0".
 */
export function authenticateClient(deps: ClientAuthDeps, tenantId: string, input: ClientCredentialsInput, requireCredential = true): AuthenticatedClient {
  if (input.clientId === undefined) throw stsError('missingParameter', { parameter: 'client_id' });
  const app = deps.directory.application(tenantId, input.clientId);
  if (!app) throw stsError('applicationNotFound', { appId: input.clientId, tenant: tenantId });
  if (input.clientAssertion !== undefined) {
    if (input.clientAssertionType !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      throw stsError('missingParameter', { parameter: 'client_assertion_type' });
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
