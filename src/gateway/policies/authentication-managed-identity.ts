import { PolicyError } from '../pipeline/errors.js';
import { setHeader } from '../pipeline/headers.js';
import type { PolicyDefinition } from './types.js';
import { literalBool, optional, required, str } from './util.js';

/**
 * authentication-managed-identity: a token for `resource` from the service's identity, cached per
 * (client-id, resource). With output-token-variable-name the token goes only to the variable.
 * ignore-error=true on failure: nothing is set (compat flag `ignoredTokenFailure`, spec §8 open question).
 */
export const authenticationManagedIdentity: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['resource', 'client-id', 'output-token-variable-name', 'ignore-error'],
  compile(node, cc, base) {
    const resource = required(cc, node, 'resource');
    const clientId = optional(cc, node, 'client-id');
    const outputVar = node.attrs['output-token-variable-name'];
    const ignoreError = literalBool(cc, node, 'ignore-error', false);
    return {
      ...base,
      async run(rc) {
        const res = str(resource.get(rc));
        const cid = clientId ? str(clientId.get(rc)) : undefined;
        let token: string;
        try {
          token = await rc.services.tokens.get(res, cid);
        } catch (e) {
          if (ignoreError) {
            rc.services.logger.warn('managed identity token failed (ignore-error=true)', { resource: res, error: (e as Error).message });
            if (rc.services.flags.ignoredTokenFailure === 'empty-bearer') {
              if (outputVar !== undefined) rc.variables.set(outputVar, '');
              else setHeader(rc.request.headers, 'Authorization', ['Bearer ']);
            }
            return;
          }
          throw new PolicyError({
            source: 'authentication-managed-identity',
            reason: 'TokenAcquisitionFailed',
            message: `Managed identity token for resource '${res}' could not be acquired: ${(e as Error).message}`,
          });
        }
        if (outputVar !== undefined) rc.variables.set(outputVar, token);
        else setHeader(rc.request.headers, 'Authorization', ['Bearer ' + token]);
      },
    };
  },
};
