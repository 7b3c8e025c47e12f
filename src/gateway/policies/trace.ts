import type { PolicyDefinition } from './types.js';
import { onlyChildren, optional, required, str } from './util.js';

/**
 * trace: writes the message to the gateway log (the twin's request trace). Learn's trace page lists `source` as not
 * taking expressions, yet APIM saves policies that give it one: the azd todo templates' API policy carries
 * `<trace source="@(context.Api.Name)" …>` and deploys. The twin takes it as APIM saves it and evaluates it for the
 * trace entry's source (docs/behaviour/apim.md §2 "trace").
 */
export const trace: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['source', 'severity'],
  compile(node, cc, base) {
    onlyChildren(cc, node, ['message', 'metadata']);
    const source = required(cc, node, 'source');
    const severity = optional(cc, node, 'severity', false)?.literal ?? 'verbose';
    const msgNode = node.children.find((c) => c.name === 'message');
    const message = msgNode ? cc.value(msgNode, msgNode.text, '<message>') : undefined;
    return {
      ...base,
      run(rc) {
        rc.trace(str(source.get(rc)), `[${severity}] ${message ? str(message.get(rc)) : ''}`);
      },
    };
  },
};
