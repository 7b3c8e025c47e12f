import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../../core/index.js';
import type { Logger } from '../../core/index.js';
import { findKey, isObject, setProp } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { fillPlaceholders, missingValue, SeededValues } from '../template/fill.js';
import { linkParameters } from '../template/link-parameters.js';
import { documentOf, loadParametersFile, loadTemplateFile } from '../template/load.js';
import { expandWithChanges } from './engine.js';
import type { ChangeSet } from './overlay.js';
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
  /**
   * With `fillPlaceholders`: the azd environment that `${NAME}` references in azd parameters files read (the CLI
   * passes the process environment); default none, so that expansion is deterministic.
   */
  environment?: Record<string, string | undefined>;
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
  /**
   * A template deployed first into the same (empty) twin, as the quickstart CI deploys `prereqs/prereq.azuredeploy.json`
   * before the sample: its resources exist for this template, and with `fillPlaceholders` its outputs fill the
   * parameters whose value is `GET-PREREQ-<output>`. Placeholders, `fillMissing`, seed and clock apply to it too.
   */
  prerequisite?: { templateFile: string; parameterFiles?: string[] };
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
  /** The prerequisite's expansion (its resources exist for the template), when one was given. */
  prerequisite?: { resources: ExpandedResource[]; outputs: Record<string, unknown> };
}

export const DEFAULT_EXPAND_NOW = Date.UTC(2026, 0, 1, 0, 0, 0);

/**
 * `trustline expand`: the fully expanded deployment of a template against an empty twin, deterministic
 * (a fixed clock and a seeded generator). Errors are TwinErrors with their location.
 */
export function expandTemplate(o: ExpandOptions): ExpandResult {
  const values = new SeededValues(o.seed ?? 0);
  let store = new SnapshotStore({ resources: [], directory: [] });
  let prerequisite: ExpandResult['prerequisite'];
  let prerequisiteOutputs: Record<string, unknown> | undefined;
  let prerequisiteFailure: string | undefined;
  if (o.prerequisite) {
    const { prerequisite: _p, ...rest } = o;
    try {
      const pre = expandInto({ ...rest, templateFile: o.prerequisite.templateFile, parameterFiles: o.prerequisite.parameterFiles ?? [], deploymentName: 'prereq' }, store, values);
      const changed = new Map(pre.changes.resources.map((c) => [c.key, c.record]));
      store = new SnapshotStore({ resources: [...changed.values()].filter((r) => r !== null), directory: [] });
      prerequisite = { resources: pre.expanded.resources, outputs: pre.expanded.outputs };
      prerequisiteOutputs = pre.expanded.outputs;
    } catch (e) {
      // The template is still expanded on its own (GET-PREREQ-* filled with generated values), so that its own
      // gaps show; the prerequisite's failure is a warning here and an error when it is expanded itself.
      prerequisiteFailure = `The prerequisite ${basename(o.prerequisite.templateFile)} could not be expanded (${(e as { code?: string }).code ?? 'error'}: ${(e as Error).message}); GET-PREREQ-* values are generated.`;
      (o.logger ?? silentLogger).warn(prerequisiteFailure);
    }
  }
  const main = expandInto(o, store, values, prerequisiteOutputs);
  if (prerequisiteFailure) main.expanded.warnings.unshift(prerequisiteFailure);
  return { ...main.expanded, ...(prerequisite ? { prerequisite } : {}) };
}

/**
 * Where the quickstart CI stages a sample (Deploy-AzTemplate.ps1 uploads the sample's folder and passes the folder's
 * URL, ending in '/', as `_artifactsLocation`): the folder's URL below an offline mirror that holds it, else its
 * `file:` URL.
 */
function stagingLocation(templateFileOrFolder: string, linkRoots: TemplateLinkRoot[] | undefined): string {
  const folder = templateFileOrFolder.endsWith(sep) ? resolve(templateFileOrFolder) : dirname(resolve(templateFileOrFolder));
  for (const { prefix, dir } of linkRoots ?? []) {
    const root = resolve(dir);
    if (folder !== root && !folder.startsWith(root + sep)) continue;
    const rel = relative(root, folder).split(sep).filter(Boolean).map(encodeURIComponent).join('/');
    return `${prefix}${rel ? `${rel}/` : ''}`;
  }
  return `${pathToFileURL(folder).toString()}/`;
}

/**
 * The folder a deployment script staged for a template whose linked documents are `base + path`: of the template's own
 * folder and its parents (at most 4 up), the nearest that holds the most of the `path`s (a linked template of a
 * sub-folder names its siblings from the staged root, `api/products/logicapp.json`); the template's own folder when
 * none holds any. Answered with a trailing separator.
 */
function stagingRoot(templateFile: string, paths: string[]): string {
  const own = dirname(resolve(templateFile));
  const decode = (p: string): string => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  };
  const files = paths.map((p) => decode(p.replace(/[?#].*$/, '')).replace(/^\/+/, '')).filter((p) => p.length > 0);
  let folder = own;
  let best = own;
  let found = 0;
  for (let up = 0; up <= 4 && files.length > 0; up++) {
    const n = files.filter((f) => existsSync(join(folder, f))).length;
    if (n > found) [best, found] = [folder, n];
    if (n === files.length) break;
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  return best + sep;
}

/**
 * azd's conversion of a substituted whole value to the parameter's declared type (its Bicep provider reads `true`/`1`/`t`
 * as a bool, an integer as an int, JSON text as an array/object); undefined when it is a string or does not convert.
 */
function azdTyped(type: string, text: string): unknown {
  switch (type.toLowerCase()) {
    case 'bool':
      if (/^(1|t|true)$/i.test(text)) return true;
      if (/^(0|f|false)$/i.test(text)) return false;
      return undefined;
    case 'int':
      return /^[-+]?\d+$/.test(text) ? Number(text) : undefined;
    case 'array':
    case 'object':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    default:
      return undefined;
  }
}

/** An AVM parameter documented as "Conditional. … Required if …" (the AVM specification's description prefixes). */
function conditionallyRequired(decl: JsonObject): boolean {
  const metadata = decl[findKey(decl, 'metadata') ?? 'metadata'];
  const description = isObject(metadata) ? metadata[findKey(metadata, 'description') ?? 'description'] : undefined;
  return typeof description === 'string' && /^Conditional\./.test(description.trim());
}

function expandInto(o: ExpandOptions, store: SnapshotStore, values: SeededValues, prerequisiteOutputs?: Record<string, unknown>): { expanded: ExpandResult; changes: ChangeSet } {
  const template = loadTemplateFile(o.templateFile);
  const fill = {
    subscriptionId: o.scope.subscriptionId,
    resourceGroup: o.scope.resourceGroup,
    tenantId: o.scope.tenantId,
    location: o.scope.location,
    values,
    ...(prerequisiteOutputs ? { prerequisiteOutputs } : {}),
    ...(o.environment ? { environment: o.environment } : {}),
  };
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
      // An author's `<NAME>` placeholder: a value for the declared type (and the name's hints: email, URL, id…).
      for (const name of r.placeholders) {
        const declKey = findKey(declared, name);
        const decl = declKey === undefined ? undefined : declared[declKey];
        if (isObject(decl)) setProp(map, name, { value: missingValue(name, decl, definitions, fill) });
      }
      for (const name of r.azdReferences) {
        const declKey = findKey(declared, name);
        const decl = declKey === undefined ? undefined : declared[declKey];
        const key = findKey(map, name);
        const entry = key === undefined ? undefined : map[key];
        if (isObject(decl) && isObject(entry) && typeof entry['value'] === 'string') {
          const typed = azdTyped(String(decl[findKey(decl, 'type') ?? 'type'] ?? ''), entry['value']);
          if (typed !== undefined) setProp(map, name, { ...entry, value: typed });
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
  // The quickstart CI's staging (see stagingLocation): a template declaring `_artifactsLocation` that no parameter
  // gives gets the folder it was read from, unless its default is `deployment().properties.templateLink.uri`
  // (the CI keeps that default: the template is deployed from its staged URL).
  const artifactsKey = findKey(declared, '_artifactsLocation');
  const artifactsDecl = artifactsKey === undefined ? undefined : declared[artifactsKey];
  if (o.fillPlaceholders && isObject(artifactsDecl) && findKey(parameters, '_artifactsLocation') === undefined) {
    const dv = artifactsDecl[findKey(artifactsDecl, 'defaultValue') ?? 'defaultValue'];
    if (!(typeof dv === 'string' && /deployment\(\s*\)\.properties\.templateLink\.uri/i.test(dv))) {
      const staged = stagingLocation(o.templateFile, o.linkRoots);
      setProp(parameters, artifactsKey!, { value: staged });
      filled.push(`parameter ${artifactsKey} (the template's folder, as the quickstart CI stages it: ${staged})`);
    }
  }
  if (o.fillMissing) {
    const next: JsonObject = { ...parameters };
    // The parameters linked templates' URLs are built from (a deployment script's staging folder and SAS token).
    const links = linkParameters(doc);
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
      if (findKey(decl, 'defaultValue') !== undefined) continue;
      // A nullable parameter is optional, except one that Azure Verified Modules mark "Conditional." (required when
      // another parameter, often at its default, asks for it): it gets a value too.
      if (decl[findKey(decl, 'nullable') ?? 'nullable'] === true && !conditionallyRequired(decl)) continue;
      const type = String(decl[findKey(decl, 'type') ?? 'type'] ?? '').toLowerCase();
      const text = type === 'string' || type === 'securestring';
      const linked = links.bases.get(name.toLowerCase());
      if (text && linked) {
        const staged = stagingLocation(stagingRoot(o.templateFile, linked), o.linkRoots);
        setProp(next, name, { value: staged });
        filled.push(`parameter ${name} (linked templates' base URL: the template's folder, as a deployment script stages it: ${staged})`);
        continue;
      }
      if (text && links.tokens.has(name.toLowerCase()) && !(typeof minLength === 'number' && minLength > 0)) {
        setProp(next, name, { value: '' });
        filled.push(`parameter ${name} (linked templates' SAS token: empty, the staged folder needs none)`);
        continue;
      }
      setProp(next, name, { value: missingValue(name, decl, definitions, fill) });
      filled.push(`parameter ${name}`);
    }
    parameters = next;
  }
  const { result, changes } = expandWithChanges(
    { deploymentName: o.deploymentName ?? basename(o.templateFile).replace(/\.json$/i, ''), template, parameters },
    {
      store,
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
    expanded: {
      resources: result.expanded ?? [],
      outputs,
      warnings: result.warnings,
      filled,
      unexpanded: result.warnings.filter((w) => /evaluated as null/.test(w)),
    },
    changes,
  };
}
