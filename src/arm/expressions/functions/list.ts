import type { ArmFunction } from '../context.js';
import { expectString } from '../values.js';

/**
 * The `list*` family: any function named `list…` is `listX(resourceIdOrName, apiVersion[, body])`,
 * ARM's POST {id}/listX. `listOutputsWithSecureValues` (nested deployments) is not one of them here.
 */
export function isListFunction(name: string): boolean {
  return /^list[a-z0-9]*$/i.test(name) && name.toLowerCase() !== 'listoutputswithsecurevalues';
}

export const listFunction: ArmFunction = {
  name: 'list*',
  min: 2,
  max: 3,
  impl: ([target, apiVersion, body], env) => {
    const t = expectString(target, env.name, 1);
    const api = expectString(apiVersion, env.name, 2);
    return env.ctx.list(env.name, t, api, body);
  },
};
