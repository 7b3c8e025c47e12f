import { PolicyError } from '../pipeline/errors.js';
import { setHeader } from '../pipeline/headers.js';
import type { DecisionToken } from '../pipeline/decision.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyDefinition } from './types.js';
import type { ServiceIdentity } from '../types.js';
import { literalBool, optional, required, str } from './util.js';

/**
 * authentication-managed-identity: a token for `resource` from the service's identity, cached per
 * (client-id, resource). With output-token-variable-name the token goes only to the variable.
 * ignore-error=true on failure: nothing is set (compat flag `ignoredTokenFailure`, docs/behaviour/apim.md §8 open question).
 */
/**
 * Why the service cannot use the identity a policy names (system-assigned when `clientId` is undefined), or undefined
 * when it has it; undefined too when the service's identities are not known (`identity` undefined).
 */
export function missingManagedIdentity(identity: ServiceIdentity | undefined, clientId: string | undefined): string | undefined {
  if (identity && clientId === undefined && !identity.systemAssigned) {
    return 'Managed service identity is not enabled for this service and authentication-managed-identity policy cannot be used.';
  }
  if (identity && clientId !== undefined && !identity.userAssignedClientIds.some((c) => c.toLowerCase() === clientId.toLowerCase())) {
    return `No user-assigned managed identity with client id '${clientId}' is assigned to this service.`;
  }
  return undefined;
}

/**
 * Get a token from the cache or the identity (recorded in the decision with its decoded claims);
 * `use` receives it. A failure is TokenAcquisitionFailed (500), or with ignore-error logged and
 * `ignored` called.
 */
export async function acquireToken(
  rc: RequestRun, res: string, cid: string | undefined, ignoreError: boolean, use: (token: string) => void, ignored: () => void,
): Promise<void> {
  const who = { clientId: cid, systemPrincipalId: rc.services.identity?.systemPrincipalId };
  const hit = rc.services.tokens.isFresh(res, who);
  const record: DecisionToken = { resource: res, identity: cid ?? 'system-assigned', cache: hit ? 'hit' : 'miss' };
  rc.decision.tokens.push(record);
  let token: string;
  try {
    const missing = missingManagedIdentity(rc.services.identity, cid);
    if (missing) throw new Error(missing);
    token = await rc.services.tokens.get(res, who);
  } catch (e) {
    record.error = (e as Error).message;
    if (ignoreError) {
      rc.services.logger.warn('managed identity token failed (ignore-error=true)', { resource: res, error: (e as Error).message });
      rc.note(`token for '${res}' failed, ignored: ${(e as Error).message}`);
      ignored();
      return;
    }
    throw new PolicyError({
      source: 'authentication-managed-identity',
      reason: 'TokenAcquisitionFailed',
      message: `Managed identity token for resource '${res}' could not be acquired: ${(e as Error).message}`,
    });
  }
  const claims = rc.services.tokens.claims(res, who);
  if (claims) record.claims = claims;
  rc.note(`token for '${res}' (${record.identity}, cache ${record.cache}) aud=${String(claims?.aud ?? '?')} appid=${String(claims?.appid ?? claims?.azp ?? '?')}`);
  use(token);
}

export const authenticationManagedIdentity: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['resource', 'client-id', 'output-token-variable-name', 'ignore-error'],
  compile(node, cc, base) {
    const resource = required(cc, node, 'resource');
    const clientId = optional(cc, node, 'client-id');
    const outputVar = node.attrs['output-token-variable-name'];
    const ignoreError = literalBool(cc, node, 'ignore-error', false);
    // The header value of the token used last, kept: a cached token gives the same string object on every request
    // (no 1–2 KB concatenation to flatten per request, and the next hop's checks find it by identity).
    let lastToken = '';
    let lastBearer = 'Bearer ';
    const bearer = (token: string) => (token === lastToken ? lastBearer : (lastBearer = 'Bearer ' + token, lastToken = token, lastBearer));
    return {
      ...base,
      async run(rc) {
        await acquireToken(rc, str(resource.get(rc)), clientId ? str(clientId.get(rc)) : undefined, ignoreError, (token) => {
          if (outputVar !== undefined) rc.variables.set(outputVar, token);
          else setHeader(rc.request.headers, 'Authorization', [bearer(token)]);
        }, () => {
          if (rc.services.flags.ignoredTokenFailure === 'empty-bearer') {
            if (outputVar !== undefined) rc.variables.set(outputVar, '');
            else setHeader(rc.request.headers, 'Authorization', ['Bearer ']);
          }
        });
      },
    };
  },
};
