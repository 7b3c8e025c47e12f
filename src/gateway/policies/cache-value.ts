import type { Value } from '../expressions/values.js';
import type { PolicyDefinition } from './types.js';
import { optional, required, str } from './util.js';

/**
 * cache-lookup-value / cache-store-value / cache-remove-value (docs/behaviour/apim.md §2) over the gateway's internal
 * cache (`caching-type` internal|prefer-external|external all use it: the twin has no external cache).
 */
const CACHING_TYPES = ['internal', 'external', 'prefer-external'];

function checkCachingType(node: { attrs: Record<string, string> }, cc: Parameters<PolicyDefinition['compile']>[1], n: Parameters<PolicyDefinition['compile']>[0]): void {
  const t = node.attrs['caching-type'];
  if (t !== undefined && !CACHING_TYPES.includes(t)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', n, `caching-type must be one of ${CACHING_TYPES.join(', ')}, not '${t}'`);
}

export const cacheLookupValue: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['key', 'variable-name', 'default-value', 'caching-type'],
  compile(node, cc, base) {
    checkCachingType(node, cc, node);
    const key = required(cc, node, 'key');
    const variable = required(cc, node, 'variable-name', false).literal;
    const dflt = optional(cc, node, 'default-value');
    return {
      ...base,
      run(rc) {
        const k = str(key.get(rc));
        const e = rc.services.stores.cache.get(k);
        if (e && e.expiresAtMs > rc.clock.now()) {
          rc.variables.set(variable, e.value as Value);
          rc.note(`hit '${k}'`);
          return;
        }
        if (e) rc.services.stores.cache.delete(k);
        if (dflt) rc.variables.set(variable, dflt.get(rc));
        rc.note(`miss '${k}'`);
      },
    };
  },
};

export const cacheStoreValue: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['key', 'value', 'duration', 'caching-type'],
  compile(node, cc, base) {
    checkCachingType(node, cc, node);
    const key = required(cc, node, 'key');
    const value = required(cc, node, 'value');
    const duration = required(cc, node, 'duration');
    return {
      ...base,
      run(rc) {
        const k = str(key.get(rc));
        const seconds = Number(str(duration.get(rc)));
        if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`duration '${str(duration.get(rc))}' is not a number of seconds`);
        rc.services.stores.cache.set(k, { value: value.get(rc), expiresAtMs: rc.clock.now() + seconds * 1000 });
        rc.note(`stored '${k}' for ${seconds} s`);
      },
    };
  },
};

export const cacheRemoveValue: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['key', 'caching-type'],
  compile(node, cc, base) {
    checkCachingType(node, cc, node);
    const key = required(cc, node, 'key');
    return {
      ...base,
      run(rc) {
        const k = str(key.get(rc));
        rc.services.stores.cache.delete(k);
        rc.note(`removed '${k}'`);
      },
    };
  },
};
