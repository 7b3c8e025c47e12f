import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { jsonTimestamp } from '../../core/index.js';
import { armError, atLine } from '../errors.js';
import { findKey, isObject, setProp } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { loadParametersFile, loadTemplateFile } from '../template/load.js';
import { mirroredFile } from '../template/link-roots.js';
import { childPath, parseJsonDocument, subDocument } from '../template/jsonc.js';
import type { ParsedDocument } from '../template/jsonc.js';
import type { CopyFrame } from './copy.js';
import { dropNulls } from './evaluator.js';
import type { ValueEvaluator } from './evaluator.js';
import { isInnerScope } from './graph.js';
import { isSecureType } from './parameters.js';
import { DEPLOYMENTS_TYPE } from './plan.js';
import type { PlannedResource } from './plan.js';
import { checkApiVersion, runTemplate } from './template-run.js';
import type { RunInput, RunResult, RunShared } from './template-run.js';
import type { ResourceRecord } from '../../state/index.js';
import type { ExpandedResource, TemplateLinkRoot } from './types.js';

/** Twin limit: nested deployments inside nested deployments (docs/limits.md). */
export const MAX_DEPLOYMENT_DEPTH = 64;

interface NestedArgs {
  run: RunInput;
  ev: ValueEvaluator;
  resource: PlannedResource;
  dependsOn: string[];
  shared: RunShared;
  parentFrames: CopyFrame[];
}

const field = (o: JsonObject, k: string): unknown => {
  const key = findKey(o, k);
  return key === undefined ? undefined : o[key];
};

/** A linked template's file: `relativePath` next to the parent, or a `file:` URI. */
function linkedFile(run: RunInput, link: JsonObject, r: PlannedResource, roots: TemplateLinkRoot[]): { file: string; uri: string } {
  const relativePath = field(link, 'relativePath');
  const uri = field(link, 'uri');
  const base = run.templateLink?.uri.startsWith('file:') ? fileURLToPath(run.templateLink.uri.replace(/[?#].*$/, '')) : run.file;
  if (typeof relativePath === 'string') {
    if (!base) throw unsupported(r, `templateLink.relativePath '${relativePath}' needs a parent template read from a file`);
    const file = resolve(dirname(base), relativePath.replace(/[?#].*$/, ''));
    return { file, uri: pathToFileURL(file).toString() };
  }
  if (typeof uri === 'string') {
    if (/^file:/i.test(uri)) {
      const file = fileURLToPath(uri.replace(/[?#].*$/, ''));
      return { file, uri };
    }
    const mirrored = mirroredFile(uri, roots);
    if (mirrored !== undefined) return { file: mirrored, uri };
    throw unsupported(
      r,
      `the linked template '${uri}' is not reachable: the twin is offline and reads linked templates from files only (templateLink.relativePath, a file: URI such as one built from deployment().properties.templateLink.uri, or a URI below an offline mirror (templateLinkRoots)${roots.length > 0 ? ' whose file exists' : ''})`,
    );
  }
  throw armError('ERR_ARM_TEMPLATE_INVALID', `The deployment '${r.name}'${atLine(r.location)} is not valid: 'templateLink' needs 'uri', 'relativePath' or 'id'.`, r.location);
}

/**
 * `templateLink.id`: the template of a template spec version the twin holds (`Microsoft.Resources/templateSpecs/versions`,
 * deployed earlier or by this deployment): its `mainTemplate` (`template` before api-version 2021-03-01-preview).
 * A version the twin does not hold is not found, as ARM answers for a missing one; its linked artifacts are not supported.
 */
function templateSpecDocument(id: string, shared: RunShared, r: PlannedResource): ParsedDocument {
  const record = /\/providers\/Microsoft\.Resources\/templateSpecs\/[^/]+\/versions\/[^/]+$/i.test(id) ? shared.overlay.getResource(id) : undefined;
  if (!record) {
    throw armError('ERR_ARM_RESOURCE_NOT_FOUND', `The nested deployment '${r.name}'${atLine(r.location)} cannot run: the template spec version '${id}' (templateLink.id) was not found.`, r.location, { deployment: r.name, target: id });
  }
  const main = field(record.properties, 'mainTemplate') ?? field(record.properties, 'template');
  if (!isObject(main)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template spec version '${id}' has no 'mainTemplate' object.`, r.location);
  const linked = field(record.properties, 'linkedTemplates');
  if (Array.isArray(linked) && linked.length > 0) shared.warn(`The template spec version '${id}' carries linked templates (artifacts): the twin does not resolve relativePath links inside a template spec.`);
  return parseJsonDocument(JSON.stringify(main, null, 2), `templateSpec:${id}`);
}

function unsupported(r: PlannedResource, reason: string): Error {
  return armError('ERR_ARM_TEMPLATE_UNSUPPORTED', `The nested deployment '${r.name}'${atLine(r.location)} cannot run: ${reason}.`, r.location, { deployment: r.name });
}

/**
 * Run a `Microsoft.Resources/deployments` resource: its inline template (outer or inner expression
 * scope) or linked template, at its target scope, into the shared overlay; then store the deployment
 * with its outputs, so that `reference('name').outputs` and `listOutputsWithSecureValues` read them.
 */
export function runNestedDeployment(a: NestedArgs): { failed: boolean } {
  const { run, ev, resource: r, shared } = a;
  if (run.depth + 1 > MAX_DEPLOYMENT_DEPTH) {
    throw armError('ERR_ARM_LIMIT_EXCEEDED', `The nested deployment '${r.name}'${atLine(r.location)} is more than ${MAX_DEPLOYMENT_DEPTH} deployments deep (docs/limits.md).`, r.location, {
      limit: 'maxDeploymentDepth',
      max: MAX_DEPLOYMENT_DEPTH,
    });
  }
  const propsKey = findKey(r.raw, 'properties');
  const rawProps = propsKey === undefined ? undefined : r.raw[propsKey];
  if (!isObject(rawProps)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The deployment '${r.name}'${atLine(r.location)} is not valid: 'properties' must be an object.`, r.location);
  const propsPath = childPath(r.jsonPath, propsKey!);
  const inner = isInnerScope(rawProps, ev.languageVersion2);
  const ctx = ev.context({ allowReference: true, frames: r.frames });
  const what = `deployment '${r.name}'`;
  const evaluated: JsonObject = {};
  const templateKey = findKey(rawProps, 'template');
  for (const [k, v] of Object.entries(rawProps)) {
    if (k === templateKey) continue;
    // Outer scope: the nested template's parameters are ignored by ARM, so they are not evaluated.
    if (k.toLowerCase() === 'parameters' && !inner && templateKey !== undefined) continue;
    const value = ev.evaluate(v, childPath(propsPath, k), ctx, what, r.frames, { allowReference: true, frames: r.frames });
    // Parameter values keep their nulls (a null passed to an optional parameter); the rest drops them as ARM does.
    setProp(evaluated, k, k.toLowerCase() === 'parameters' ? value : dropNulls(value));
  }

  let template: unknown;
  let doc: ParsedDocument;
  let file: string | undefined = run.file;
  let templateLink: RunInput['templateLink'];
  // A template given as an expression (Bicep's loadJsonContent: a variable holding `[[`-escaped text) is
  // evaluated here; the template it yields runs in its own (inner) scope with the parameters passed.
  let computed = false;
  if (templateKey !== undefined && typeof rawProps[templateKey] === 'string') {
    template = ev.evaluate(rawProps[templateKey], childPath(propsPath, templateKey), ctx, what, r.frames, { allowReference: true, frames: r.frames });
    doc = subDocument(run.doc, childPath(propsPath, templateKey), template);
    computed = true;
    const parametersKey = findKey(rawProps, 'parameters');
    if (parametersKey !== undefined && !inner) setProp(evaluated, parametersKey, ev.evaluate(rawProps[parametersKey], childPath(propsPath, parametersKey), ctx, what, r.frames, { allowReference: true, frames: r.frames }));
  } else if (templateKey !== undefined) {
    template = rawProps[templateKey];
    doc = subDocument(run.doc, childPath(propsPath, templateKey), template);
  } else {
    const link = field(evaluated, 'templateLink');
    if (!isObject(link)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The deployment '${r.name}'${atLine(r.location)} is not valid: it needs 'template' or 'templateLink'.`, r.location);
    const specId = field(link, 'id');
    if (typeof specId === 'string' && field(link, 'uri') === undefined && field(link, 'relativePath') === undefined) {
      doc = templateSpecDocument(specId, shared, r);
      template = doc.value;
      file = undefined;
    } else {
      const linked = linkedFile(run, link, r, shared.options.templateLinkRoots ?? []);
      const loaded = loadTemplateFile(linked.file);
      doc = parseJsonDocument(loaded.text, loaded.file);
      template = doc.value;
      file = linked.file;
      const contentVersion = field(link, 'contentVersion');
      templateLink = { uri: linked.uri, ...(typeof contentVersion === 'string' ? { contentVersion } : {}) };
    }
  }
  if (!isObject(template)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template of the deployment '${r.name}'${atLine(r.location)} must be a JSON object.`, r.location);

  let parameters = field(evaluated, 'parameters');
  const parametersLink = field(evaluated, 'parametersLink');
  if (parameters === undefined && isObject(parametersLink)) {
    const uri = field(parametersLink, 'uri');
    if (typeof uri !== 'string' || !/^file:/i.test(uri)) throw unsupported(r, `the parameters link '${String(uri)}' is not a file: URI`);
    parameters = loadParametersFile(fileURLToPath(uri.replace(/[?#].*$/, '')));
  }
  if (parameters !== undefined && !isObject(parameters)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The deployment '${r.name}'${atLine(r.location)} is not valid: 'parameters' must be an object.`, r.location);

  const entry: ExpandedResource = { id: r.id, type: DEPLOYMENTS_TYPE, name: r.name };
  for (const k of ['apiVersion', 'location', 'tags']) {
    const key = findKey(r.raw, k);
    if (key !== undefined) setProp(entry as JsonObject, k, ev.evaluate(r.raw[key], childPath(r.jsonPath, key), ctx, what, r.frames));
  }
  checkApiVersion(shared, { type: DEPLOYMENTS_TYPE, name: r.name, id: r.id, apiVersion: entry.apiVersion, location: r.location, resourceLocation: (r.nestedTarget ?? r.target).location });
  entry.properties = evaluated;
  entry.dependsOn = a.dependsOn;
  entry.deployment = run.deploymentName;
  shared.expanded.push(entry);

  const mode = field(evaluated, 'mode');
  const result = runTemplate(
    {
      doc,
      template,
      target: r.nestedTarget ?? r.target,
      deploymentName: r.name,
      deploymentId: r.id,
      ...(isObject(parameters) ? { parameters } : {}),
      mode: typeof mode === 'string' && mode.toLowerCase() === 'complete' ? 'Complete' : 'Incremental',
      ...(templateLink ? { templateLink } : {}),
      ...(file ? { file } : {}),
      ...(!inner && templateKey !== undefined && !computed ? { outer: { ev, frames: r.frames, target: run.outer?.target ?? run.target } } : {}),
      depth: run.depth + 1,
    },
    shared,
  );
  if (result.failed) {
    // A resource inside failed (the control plane's deployments go on after a failure): the nested deployment is
    // recorded `Failed` with what it deployed; the runtime adds ARM's error and its operations.
    shared.overlay.putResource(failedDeploymentRecord({ id: r.id, name: r.name, mode: typeof mode === 'string' ? mode : 'Incremental', ...(templateLink ? { templateLink } : {}), run: result, now: shared.options.clock.now() }));
    shared.written.push(r.id);
    return { failed: true };
  }
  shared.overlay.putResource(
    deploymentRecord({
      id: r.id,
      name: r.name,
      mode: typeof mode === 'string' ? mode : 'Incremental',
      ...(templateLink ? { templateLink } : {}),
      run: result,
      outputResources: result.written,
      now: shared.options.clock.now(),
    }),
  );
  shared.written.push(r.id);
  return { failed: false };
}

/** Twin-only `listResults` key of a failed nested deployment's record: the ids it wrote (ARM answers no `outputResources` then). */
export const FAILED_WRITTEN_KEY = 'twin/written';

/** The record of a nested deployment in which a resource failed: `Failed`, no outputs. */
export function failedDeploymentRecord(a: { id: string; name: string; mode: string; templateLink?: { uri: string; contentVersion?: string }; run: RunResult; now: number }): ResourceRecord {
  return {
    id: a.id,
    type: DEPLOYMENTS_TYPE,
    name: a.name,
    properties: {
      provisioningState: 'Failed',
      mode: a.mode,
      ...(a.templateLink ? { templateLink: a.templateLink } : {}),
      timestamp: jsonTimestamp(a.now),
      parameters: a.run.recordParameters,
    },
    listResults: { [FAILED_WRITTEN_KEY]: a.run.written },
  };
}

/**
 * The stored `Microsoft.Resources/deployments` record of a finished (nested) deployment: public parameters
 * and outputs as ARM's GET shows them; every output value (secure ones too) as the twin-only
 * `listOutputsWithSecureValues` result.
 */
export function deploymentRecord(a: {
  id: string;
  name: string;
  mode: string;
  templateLink?: { uri: string; contentVersion?: string };
  run: RunResult;
  outputResources: string[];
  now: number;
}): ResourceRecord {
  const publicOutputs: JsonObject = {};
  const secureValues: JsonObject = {};
  for (const [k, v] of Object.entries(a.run.outputs)) {
    setProp(secureValues, k, v.value);
    // A secure output shows its type alone, as a secure parameter does.
    setProp(publicOutputs, k, isSecureType(v.type) ? { type: v.type } : v);
  }
  return {
    id: a.id,
    type: DEPLOYMENTS_TYPE,
    name: a.name,
    properties: {
      provisioningState: 'Succeeded',
      mode: a.mode,
      ...(a.templateLink ? { templateLink: a.templateLink } : {}),
      timestamp: jsonTimestamp(a.now),
      parameters: a.run.recordParameters,
      outputs: publicOutputs,
      outputResources: a.outputResources.map((id) => ({ id })),
    },
    listResults: { listoutputswithsecurevalues: secureValues },
  };
}
