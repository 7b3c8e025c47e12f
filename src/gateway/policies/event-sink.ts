import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyDefinition } from './types.js';
import { optional, required, str } from './util.js';

/**
 * log-to-eventhub and emit-metric write to the local sink (`GatewayOptions.onEvent`): the runtime
 * keeps the events for the console and the CLI, `trustline policy run --json` prints them.
 * A logger-id the service does not define is refused when the service is compiled.
 */
export const logToEventhub: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['logger-id', 'partition-id', 'partition-key'],
  compile(node, cc, base) {
    const loggerId = required(cc, node, 'logger-id', false).literal;
    const partitionId = optional(cc, node, 'partition-id');
    const partitionKey = optional(cc, node, 'partition-key');
    const message = cc.value(node, node.text, 'the message') ?? { isExpression: false, literal: '', get: () => '' };
    return {
      ...base,
      run(rc) {
        const known = rc.services.loggers;
        if (known && known.size > 0 && !known.has(loggerId.toLowerCase())) throw new Error(`Logger '${loggerId}' was not found.`);
        const text = str(message.get(rc));
        rc.services.onEvent?.({
          kind: 'eventhub', requestId: rc.requestId, loggerId, message: text, time: new Date(rc.clock.now()).toISOString(),
          ...(partitionId ? { partitionId: str(partitionId.get(rc)) } : {}), ...(partitionKey ? { partitionKey: str(partitionKey.get(rc)) } : {}),
        });
        rc.note(`${Buffer.byteLength(text)} bytes to logger '${loggerId}'`);
      },
    };
  },
};

export const emitMetric: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['name', 'namespace', 'value'],
  compile(node, cc, base) {
    const name = required(cc, node, 'name');
    const ns = optional(cc, node, 'namespace');
    const value = optional(cc, node, 'value');
    const dims = node.children.map((c) => {
      if (c.name !== 'dimension') throw cc.error('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <emit-metric>`);
      if (!c.attrs.name) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, "<dimension> requires the attribute 'name'");
      return { name: c.attrs.name, value: cc.value(c, c.attrs.value, "attribute 'value'") };
    });
    if (dims.length > 5) throw cc.error('ERR_APIM_POLICY_STRUCTURE', node, '<emit-metric> takes at most 5 dimensions');
    return {
      ...base,
      run(rc) {
        const v = value ? Number(str(value.get(rc))) : 1;
        if (!Number.isFinite(v)) throw new Error(`emit-metric value '${value ? str(value.get(rc)) : ''}' is not a number`);
        const dimensions: Record<string, string> = {};
        for (const d of dims) dimensions[d.name] = d.value ? str(d.value.get(rc)) : builtInDimension(rc, d.name);
        rc.services.onEvent?.({ kind: 'metric', requestId: rc.requestId, name: str(name.get(rc)), namespace: ns ? str(ns.get(rc)) : 'API Management', value: v, dimensions, time: new Date(rc.clock.now()).toISOString() });
        rc.note(`metric ${str(name.get(rc))} = ${v}`);
      },
    };
  },
};

/** Default values of emit-metric's well-known dimensions when `value` is absent. */
export function builtInDimension(rc: RequestRun, name: string): string {
  switch (name.toLowerCase()) {
    case 'api id': return rc.api.id;
    case 'operation id': return rc.operation.id;
    case 'product id': return rc.product?.id ?? '';
    case 'subscription id': return rc.subscription?.id ?? '';
    case 'user id': return rc.user?.id ?? '';
    case 'location': return 'local';
    case 'gateway id': return 'managed';
    case 'client ip': return rc.request.ipAddress;
    default: return 'N/A';
  }
}
