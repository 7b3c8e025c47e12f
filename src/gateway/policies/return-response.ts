import type { PolicyDefinition } from './types.js';
import { onlyChildren } from './util.js';
import { runSteps } from './run-steps.js';
import { drain } from '../pipeline/body.js';

/** return-response: a fresh 200 response shaped by child set-status/set-header/set-body; ends the pipeline. */
export const returnResponse: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['response-variable-name'],
  compile(node, cc, base) {
    if (node.attrs['response-variable-name'] !== undefined) {
      cc.problem('ERR_APIM_POLICY_UNSUPPORTED', node, 'return-response response-variable-name is not supported yet');
    }
    onlyChildren(cc, node, ['set-status', 'set-header', 'set-body']);
    const steps = cc.children(node.children, base.path, 'response');
    return {
      ...base,
      async run(rc) {
        rc.response.statusCode = 200;
        rc.response.statusReason = 'OK';
        rc.response.headers.clear();
        drain(rc.responseBody);
        rc.responseBody = { kind: 'none' };
        await runSteps(steps, rc);
        rc.terminated = true;
      },
    };
  },
};
