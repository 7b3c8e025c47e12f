import { basename } from 'node:path';
import { silentLogger } from '../../core/index.js';
import type { Logger } from '../../core/index.js';
import { findKey, isObject, setProp } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { fillPlaceholders, missingValue, SeededValues } from '../template/fill.js';
import { documentOf, loadParametersFile, loadTemplateFile } from '../template/load.js';
import { expandDeployment } from './engine.js';
import { SnapshotStore } from './snapshot-store.js';
import type { DeploymentScope, ExpandedResource, TemplateLinkRoot } from './types.js';

export interface ExpandOptions {
  templateFile: string;
  /** Parameters files, applied in order (a later file's value wins). */
  parameterFiles?: string[];
  /** Parameter values given directly (`{name: value}`), applied after the files. */
  parameterValues?: Record<string, unknown>;
  /** Replace the quickstart CI placeholders (`GEN-*`, `GET-PREREQ-*`, Key Vault references) with generated values. */
  fillPlaceholders?: boolean;
  /** Give every required parameter without a value a valid value for its type and constraints. */
  fillMissing?: boolean;
  loose?: boolean;
  /** `utcNow()` (ms since the epoch); default 2026-01-01T00:00:00Z so that expansion is deterministic. */
  now?: number;
  /** Seed of `newGuid()`, minted ids and filled values. */
  seed?: number;
  scope: DeploymentScope;
  /** Offline mirrors of linked templates' URIs (`DeployOptions.templateLinkRoots`). */
  linkRoots?: TemplateLinkRoot[];
  deploymentName?: string;
  logger?: Logger;
}

export interface ExpandResult {
  /** Every resource in deployment order, nested deployments' resources included. */
  resources: ExpandedResource[];
  outputs: Record<string, unknown>;
  warnings: string[];
  /** Placeholders and parameters that were filled. */
  filled: string[];
  /** Warnings about expressions that were not evaluated (loose mode evaluated them as null). */
  unexpanded: string[];
}

export const DEFAULT_EXPAND_NOW = Date.UTC(2026, 0, 1, 0, 0, 0);

/**
 * `trustline expand`: the fully expanded deployment of a template against an empty twin, deterministic
 * (a fixed clock and a seeded generator). Errors are TwinErrors with their location.
 */
export function expandTemplate(o: ExpandOptions): ExpandResult {
  const template = loadTemplateFile(o.templateFile);
  const seed = o.seed ?? 0;
  const values = new SeededValues(seed);
  const fill = { subscriptionId: o.scope.subscriptionId, resourceGroup: o.scope.resourceGroup, tenantId: o.scope.tenantId, location: o.scope.location, values };
  const filled: string[] = [];
  let parameters: JsonObject = {};
  const doc = documentOf(template).value as JsonObject;
  const declared = isObject(doc['parameters']) ? doc['parameters'] : {};
  const definitions = isObject(doc['definitions']) ? doc['definitions'] : undefined;
  for (const f of o.parameterFiles ?? []) {
    let p = loadParametersFile(f);
    if (o.fillPlaceholders) {
      const r = fillPlaceholders(p, fill);
      p = r.parameters;
      filled.push(...r.filled);
      // A placeholder standing for a whole value of a constrained parameter (allowed values, an int)
      // gets a value that fits the declaration.
      const map = (isObject(p['parameters']) ? p['parameters'] : p) as JsonObject;
      for (const name of r.wholeTokens) {
        const declKey = findKey(declared, name);
        const decl = declKey === undefined ? undefined : declared[declKey];
        if (!isObject(decl)) continue;
        const type = String(decl[findKey(decl, 'type') ?? 'type'] ?? '').toLowerCase();
        if (Array.isArray(decl[findKey(decl, 'allowedValues') ?? 'allowedValues']) || (type !== 'string' && type !== 'securestring')) {
          setProp(map, name, { value: missingValue(name, decl, definitions, fill) });
        }
      }
    }
    const map = (isObject(p['parameters']) && ('$schema' in p || 'contentVersion' in p || Object.keys(p).length === 1) ? p['parameters'] : p) as JsonObject;
    for (const [k, v] of Object.entries(map)) {
      const existing = findKey(parameters, k);
      if (existing !== undefined) delete parameters[existing];
      setProp(parameters, k, v);
    }
  }
  for (const [k, v] of Object.entries(o.parameterValues ?? {})) {
    const existing = findKey(parameters, k);
    if (existing !== undefined) delete parameters[existing];
    setProp(parameters, k, { value: v });
  }
  if (o.fillMissing) {
    const next: JsonObject = { ...parameters };
    for (const [name, decl] of Object.entries(declared)) {
      const given = findKey(parameters, name);
      const givenValue = given === undefined ? undefined : parameters[given];
      // A parameter given as null (quickstart CI overrides it) counts as missing.
      if (!isObject(decl)) continue;
      // null, or '' where the declaration needs at least one character, counts as no value.
      const minLength = decl[findKey(decl, 'minLength') ?? 'minLength'];
      const blank = isObject(givenValue) && (givenValue['value'] === null || (givenValue['value'] === '' && typeof minLength === 'number' && minLength > 0));
      if (given !== undefined && !blank) continue;
      if (given !== undefined) delete next[given];
      if (findKey(decl, 'defaultValue') !== undefined || decl[findKey(decl, 'nullable') ?? 'nullable'] === true) continue;
      setProp(next, name, { value: missingValue(name, decl, definitions, fill) });
      filled.push(`parameter ${name}`);
    }
    parameters = next;
  }
  const result = expandDeployment(
    { deploymentName: o.deploymentName ?? basename(o.templateFile).replace(/\.json$/i, ''), template, parameters },
    {
      store: new SnapshotStore({ resources: [], directory: [] }),
      scope: o.scope,
      clock: { now: () => o.now ?? DEFAULT_EXPAND_NOW },
      ids: { uuid: () => values.uuid() },
      logger: o.logger ?? silentLogger,
      loose: o.loose ?? false,
      ...(o.linkRoots ? { templateLinkRoots: o.linkRoots } : {}),
    },
  );
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result.outputs)) setProp(outputs, k, v.value);
  return {
    resources: result.expanded ?? [],
    outputs,
    warnings: result.warnings,
    filled,
    unexpanded: result.warnings.filter((w) => /evaluated as null/.test(w)),
  };
}
