import type { ArmFunction } from '../context.js';
import { collectionFunctions } from './collection.js';
import { deploymentFunctions } from './deployment.js';
import { isListFunction, listFunction } from './list.js';
import { logicFunctions } from './logic.js';
import { resourceFunctions } from './resource.js';
import { stringFunctions } from './string.js';
import { lambdaFunctions } from './lambda.js';
import { objectFunctions } from './object.js';
import { dateFunctions } from './date.js';
import { cidrFunctions } from './cidr.js';
import { uriFunctions } from './uri.js';

const REGISTRY = new Map<string, ArmFunction>();
for (const fn of [
  ...stringFunctions,
  ...collectionFunctions,
  ...objectFunctions,
  ...logicFunctions,
  ...resourceFunctions,
  ...deploymentFunctions,
  ...lambdaFunctions,
  ...dateFunctions,
  ...cidrFunctions,
  ...uriFunctions,
]) {
  const key = fn.name.toLowerCase();
  if (REGISTRY.has(key)) throw new Error(`duplicate ARM function ${fn.name}`);
  REGISTRY.set(key, fn);
}

/** Look up a built-in function by name (case-insensitive). */
export function lookupFunction(name: string): ArmFunction | undefined {
  return REGISTRY.get(name.toLowerCase()) ?? (isListFunction(name) ? listFunction : undefined);
}

export function functionNames(): string[] {
  return [...REGISTRY.values()].map((f) => f.name);
}
