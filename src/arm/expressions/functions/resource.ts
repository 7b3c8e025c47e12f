import type { ArmFunction } from '../context.js';
import { expectString, fnError } from '../values.js';

/** `/{t1}/{n1}/{t2}/{n2}` for a full type `Ns/t1/t2` and names (names may themselves contain '/'). */
export function providerPath(fn: string, type: string, names: string[]): string {
  const segments = type.split('/');
  const namespace = segments[0]!;
  const types = segments.slice(1);
  const nameSegments = names.flatMap((n) => n.split('/'));
  if (types.length === 0 || nameSegments.length !== types.length) {
    throw fnError(
      fn,
      `the resource type '${type}' requires ${types.length} resource name segment(s) but ${nameSegments.length} were provided ('${names.join("', '")}').`,
    );
  }
  return `/providers/${namespace}` + types.map((t, i) => `/${t}/${nameSegments[i]}`).join('');
}

function splitTypeArgs(fn: string, args: string[]): { leading: string[]; type: string; names: string[] } {
  const at = args.findIndex((a) => a.includes('/'));
  if (at < 0) {
    throw fnError(fn, `function requires exactly one multi-segmented argument which must be resource type including resource provider namespace. Current function arguments '${args.join(',')}'.`);
  }
  return { leading: args.slice(0, at), type: args[at]!, names: args.slice(at + 1) };
}

const strings = (fn: string, args: unknown[]): string[] => args.map((a, i) => expectString(a, fn, i + 1));

export const resourceFunctions: ArmFunction[] = [
  {
    name: 'resourceId',
    min: 2,
    impl: (raw, env) => {
      const { leading, type, names } = splitTypeArgs('resourceId', strings('resourceId', raw));
      if (leading.length > 2) throw fnError('resourceId', 'at most two arguments (subscription id, resource group name) may precede the resource type.');
      const sub = leading.length === 2 ? leading[0]! : env.ctx.scope.subscriptionId;
      const rg = leading.length >= 1 ? leading[leading.length - 1]! : env.ctx.scope.resourceGroup;
      return `/subscriptions/${sub}/resourceGroups/${rg}${providerPath('resourceId', type, names)}`;
    },
  },
  {
    name: 'subscriptionResourceId',
    min: 2,
    impl: (raw, env) => {
      const { leading, type, names } = splitTypeArgs('subscriptionResourceId', strings('subscriptionResourceId', raw));
      if (leading.length > 1) throw fnError('subscriptionResourceId', 'at most one argument (subscription id) may precede the resource type.');
      return `/subscriptions/${leading[0] ?? env.ctx.scope.subscriptionId}${providerPath('subscriptionResourceId', type, names)}`;
    },
  },
  {
    name: 'tenantResourceId',
    min: 2,
    impl: (raw) => {
      const { leading, type, names } = splitTypeArgs('tenantResourceId', strings('tenantResourceId', raw));
      if (leading.length > 0) throw fnError('tenantResourceId', 'the resource type must be the first argument.');
      return providerPath('tenantResourceId', type, names);
    },
  },
  {
    name: 'extensionResourceId',
    min: 3,
    impl: (raw) => {
      const [scope, ...rest] = strings('extensionResourceId', raw);
      const { type, names } = splitTypeArgs('extensionResourceId', rest);
      return `${scope!.replace(/\/$/, '')}${providerPath('extensionResourceId', type, names)}`;
    },
  },
  {
    name: 'reference',
    min: 1,
    max: 3,
    impl: ([target, apiVersion, full], env) => {
      const t = expectString(target, 'reference', 1);
      const api = apiVersion === undefined ? undefined : expectString(apiVersion, 'reference', 2);
      const isFull = full !== undefined && expectString(full, 'reference', 3).toLowerCase() === 'full';
      return env.ctx.reference(t, api, isFull);
    },
  },
];
