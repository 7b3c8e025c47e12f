import { armError, atLine } from '../errors.js';
import { collectCalls, evaluateNode } from '../expressions/evaluate.js';
import { isListFunction } from '../expressions/functions/list.js';
import { parseTemplateString } from '../expressions/parser.js';
import { isObject } from '../expressions/values.js';
import type { ValueEvaluator } from './evaluator.js';
import type { PlannedResource } from './plan.js';
import { isEmptyLoop } from './plan.js';
import { canonicalId, providerSuffix } from './scope.js';

const BODY_SKIP = new Set(['type', 'name', 'dependson', 'copy', 'condition', 'resources', 'apiversion', 'comments']);

/**
 * Resources a dependsOn / reference target string denotes: a symbolic name (`sym`, `sym[2]`,
 * languageVersion 2.0), a resource id, `type/name`, a name or a copy loop name.
 */
export function resolveTarget(plan: PlannedResource[], target: string): PlannedResource[] {
  // Empty segments are dropped, as ARM splits names and ids (`…/extensions/` + `/OMS` names `extensions/OMS`).
  const t = target.startsWith('/') ? target.toLowerCase() : target.toLowerCase().replace(/\/{2,}/g, '/');
  if (t.startsWith('/')) {
    const id = canonicalId(t);
    return plan.filter((r) => canonicalId(r.id) === id);
  }
  const bySymbol = plan.filter((r) => r.instanceName?.toLowerCase() === t);
  if (bySymbol.length > 0) return bySymbol;
  const byLoop = plan.filter((r) => r.symbolicName?.toLowerCase() === t);
  if (byLoop.length > 0) return byLoop;
  const byTypeName = plan.filter((r) => `${r.type}/${r.name}`.toLowerCase() === t || providerSuffix(r.type, r.name).slice('/providers/'.length).toLowerCase() === t);
  if (byTypeName.length > 0) return byTypeName;
  const byName = plan.filter((r) => r.name.toLowerCase() === t);
  if (byName.length > 0) return byName;
  // An inline child resource is also known by the name it is declared with (its last segment).
  const byShortName = plan.filter((r) => r.parent !== undefined && r.name.split('/').pop()!.toLowerCase() === t);
  if (byShortName.length > 0) return byShortName;
  const byCopy = plan.filter((r) => r.copyName?.toLowerCase() === t);
  if (byCopy.length > 0 || t.includes('/')) return byCopy;
  // Last: a top-level child resource by the last segment of its name (`{account}/AzureRm.Profile` as `AzureRm.Profile`).
  return plan.filter((r) => r.name.includes('/') && r.name.split('/').pop()!.toLowerCase() === t);
}

/** `expressionEvaluationOptions.scope` is `inner` in a deployments resource's properties. */
export function isInnerScope(properties: Record<string, unknown>, languageVersion2 = false): boolean {
  const options = Object.entries(properties).find(([k]) => k.toLowerCase() === 'expressionevaluationoptions')?.[1];
  const scope = isObject(options) ? Object.entries(options).find(([k]) => k.toLowerCase() === 'scope')?.[1] : undefined;
  // languageVersion 2.0 templates without the option: an inline template that declares its own parameters or
  // variables runs in its own scope (observed: microsoft.azurestackhci quickstarts pass parameters to such
  // templates), one that declares none reads the parent's (upgrade-cluster-2411.3 uses the parent's parameters).
  if (typeof scope !== 'string') return languageVersion2 && declaresOwnScope(properties);
  return scope.toLowerCase() === 'inner';
}

function declaresOwnScope(properties: Record<string, unknown>): boolean {
  const template = Object.entries(properties).find(([k]) => k.toLowerCase() === 'template')?.[1];
  if (!isObject(template)) return true;
  return Object.entries(template).some(([k, v]) => (k.toLowerCase() === 'parameters' || k.toLowerCase() === 'variables') && isObject(v) && Object.keys(v).length > 0);
}

function collectStrings(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (isObject(value)) for (const v of Object.values(value)) collectStrings(v, out);
}

/** Targets of reference() calls in a resource body whose first argument is a deploy-time constant. */
function referenceTargets(ev: ValueEvaluator, r: PlannedResource | { raw: unknown; frames: PlannedResource['frames'] }, isBody: boolean): string[] {
  const strings: string[] = [];
  if (isBody && isObject(r.raw)) {
    for (const [k, v] of Object.entries(r.raw)) {
      if (BODY_SKIP.has(k.toLowerCase())) continue;
      // An inner-scope nested template's expressions belong to that template, not to this one.
      if (k.toLowerCase() === 'properties' && isObject(v) && isInnerScope(v, ev.languageVersion2)) {
        for (const [pk, pv] of Object.entries(v)) if (pk.toLowerCase() !== 'template') collectStrings(pv, strings);
        continue;
      }
      collectStrings(v, strings);
    }
  } else collectStrings(r.raw, strings);
  const targets: string[] = [];
  for (const s of strings) {
    let parsed;
    try {
      parsed = parseTemplateString(s);
    } catch {
      continue; // reported when the body is evaluated
    }
    if (parsed.kind !== 'expression') continue;
    for (const call of [...collectCalls(parsed.ast, 'reference'), ...collectCalls(parsed.ast, isListFunction)]) {
      const arg = call.args[0];
      if (!arg) continue;
      try {
        const v = evaluateNode(arg, ev.context({ frames: r.frames }));
        if (typeof v === 'string') targets.push(v);
      } catch {
        // not a deploy-time constant: no implicit dependency
      }
    }
  }
  return targets;
}

/** Edges: explicit dependsOn, implicit reference() dependencies, child → parent. Returns deps per resource index. */
export function buildDependencies(ev: ValueEvaluator, plan: PlannedResource[]): Map<number, Set<number>> {
  const deps = new Map<number, Set<number>>();
  for (const r of plan) {
    const set = new Set<number>();
    if (r.parent) set.add(r.parent.index);
    for (const d of r.dependsOn) {
      const targets = resolveTarget(plan, d.value);
      if (targets.length === 0 && isEmptyLoop(plan, d.value)) continue;
      if (targets.length === 0) {
        const loc = ev.locate(d.path);
        throw armError(
          'ERR_ARM_DEPENDENCY_NOT_FOUND',
          `Deployment template validation failed: 'The resource '${d.value}' is not defined in the template.'${atLine(loc)} Please see https://aka.ms/arm-template for usage details.`,
          loc,
          { dependsOn: d.value, resourceId: r.id },
        );
      }
      for (const t of targets) set.add(t.index);
    }
    for (const target of referenceTargets(ev, r, true)) for (const t of resolveTarget(plan, target)) set.add(t.index);
    set.delete(r.index);
    deps.set(r.index, set);
  }
  return deps;
}

/** Stable topological order (declaration order among ready resources); a cycle is an InvalidTemplate error. */
export function topologicalOrder(plan: PlannedResource[], deps: Map<number, Set<number>>): PlannedResource[] {
  const remaining = new Map<number, Set<number>>();
  for (const [k, v] of deps) remaining.set(k, new Set(v));
  const order: PlannedResource[] = [];
  const done = new Set<number>();
  while (order.length < plan.length) {
    const ready = plan.find((r) => !done.has(r.index) && [...remaining.get(r.index)!].every((d) => done.has(d)));
    if (!ready) {
      const cyclic = plan.filter((r) => !done.has(r.index));
      const first = cyclic[0]!;
      throw armError(
        'ERR_ARM_DEPENDENCY_CYCLE',
        `Deployment template validation failed: 'Circular dependency detected on resource: '${first.id}'${atLine(first.location)}. Resources in the cycle: '${cyclic.map((c) => c.id).join("', '")}'. Please see https://aka.ms/arm-template/#resources for usage details.'`,
        first.location,
        { resources: cyclic.map((c) => c.id) },
      );
    }
    done.add(ready.index);
    order.push(ready);
  }
  return order;
}

export { referenceTargets };
