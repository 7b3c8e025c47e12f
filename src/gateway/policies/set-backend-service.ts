import { PolicyError } from '../pipeline/errors.js';
import { parseUrl } from '../expressions/host.js';
import { rebuildUrl } from '../pipeline/request-run.js';
import type { PolicyDefinition } from './types.js';
import { optional, str } from './util.js';

/** set-backend-service: base-url or backend-id replaces the backend base; path and query are kept. */
export const setBackendService: PolicyDefinition = {
  sections: ['inbound', 'backend'],
  attributes: ['base-url', 'backend-id', 'sf-resolve-condition', 'sf-service-instance-name', 'sf-listener-name', 'sf-partition-key', 'dapr-app-id', 'dapr-method', 'dapr-namespace'],
  compile(node, cc, base) {
    const baseUrl = optional(cc, node, 'base-url');
    const backendId = optional(cc, node, 'backend-id');
    if ((baseUrl ? 1 : 0) + (backendId ? 1 : 0) !== 1) {
      throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, '<set-backend-service> needs exactly one of base-url or backend-id');
    }
    return {
      ...base,
      run(rc) {
        let url: string;
        if (baseUrl) url = str(baseUrl.get(rc));
        else {
          const id = str(backendId!.get(rc));
          const found = rc.services.backends.get(id.toLowerCase());
          if (found === undefined) {
            throw new PolicyError({ source: 'set-backend-service', reason: 'BackendNotFound', message: `Backend with id '${id}' could not be found.` });
          }
          url = found;
        }
        try {
          rc.backendBase = parseUrl(url);
        } catch {
          throw new PolicyError({ source: 'set-backend-service', reason: 'InvalidBackendUrl', message: `'${url}' is not a valid backend URL.` });
        }
        rebuildUrl(rc);
      },
    };
  },
};
