import type { PolicyDefinition } from './types.js';
import { onlyChildren, optional, required, str } from './util.js';

/** trace: writes the message to the gateway log (the twin's request trace). */
export const trace: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['source', 'severity'],
  compile(node, cc, base) {
    onlyChildren(cc, node, ['message', 'metadata']);
    const source = required(cc, node, 'source', false).literal;
    const severity = optional(cc, node, 'severity', false)?.literal ?? 'verbose';
    const msgNode = node.children.find((c) => c.name === 'message');
    const message = msgNode ? cc.value(msgNode, msgNode.text, '<message>') : undefined;
    return {
      ...base,
      run(rc) {
        rc.trace(source, `[${severity}] ${message ? str(message.get(rc)) : ''}`);
      },
    };
  },
};
