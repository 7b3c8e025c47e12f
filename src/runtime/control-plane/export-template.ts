import type { ResourceRecord, Store } from '../../state/index.js';
import { DEPLOYMENTS_TYPE } from './deployment-history.js';
import { armHttpError, type ArmErrorBody } from './wire.js';

/** The options of `POST …/resourcegroups/{rg}/exportTemplate` (`ExportTemplateRequest.options`, comma-separated). */
const OPTIONS = ['includeparameterdefaultvalue', 'includecomments', 'skipresourcenameparameterization', 'skipallparameterization'];

export interface ExportRequest {
  /** `['*']` or resource ids. */
  resources: string[];
  options: Set<string>;
}

/** The request body as ARM reads it: `resources` (required, strings) and `options`. */
export function exportRequest(body: Record<string, unknown>): ExportRequest {
  const resources = body['resources'];
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
    throw armHttpError(400, 'InvalidRequestContent', "The request content was invalid and could not be deserialized: 'Required property 'resources' expects an array of strings. Path 'resources'.'.");
  }
  const raw = typeof body['options'] === 'string' ? body['options'] : '';
  const options = new Set(raw.split(',').map((o) => o.trim().toLowerCase()).filter(Boolean));
  for (const o of options) {
    if (!OPTIONS.includes(o)) throw armHttpError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: 'Requested value '${o}' was not found. Path 'options'.'.`);
  }
  return { resources: resources as string[], options };
}

/** `sites` + `trustline-func` → `sites_trustline_func_name`, the parameter ARM's export names a resource's name with. */
function parameterName(type: string, name: string): string {
  const last = type.split('/').pop()!;
  return `${last}_${name}_name`.replace(/[^A-Za-z0-9_]/g, '_');
}

/** The relative type/name segments of a resource id (`Ns/t/n/c/m` → types [Ns/t, c], names [n, m]). */
function segmentsOf(id: string): { namespace: string; types: string[]; names: string[] } {
  const rel = id.slice(id.toLowerCase().lastIndexOf('/providers/') + '/providers/'.length).split('/');
  return { namespace: rel[0]!, types: rel.slice(1).filter((_, i) => i % 2 === 0), names: rel.slice(1).filter((_, i) => i % 2 === 1) };
}

/**
 * `POST …/resourcegroups/{rg}/exportTemplate` (`az group export`): the resources asked for as a template ARM's export
 * writes — names parameterized by default (`{type}_{name}_name`, children as `concat(parameters(…), '/child')`), a
 * child depending on its parent, read-only `provisioningState` left out. Ids the group does not hold are named in
 * `error` (`ExportTemplateCompletedWithErrors`) and the rest is exported.
 */
export function exportResourceGroup(store: Store, rgId: string, req: ExportRequest): { template: Record<string, unknown>; error?: ArmErrorBody } {
  const all = store.listResources({ idPrefix: rgId + '/providers/' }).filter((r) => r.type.toLowerCase() !== DEPLOYMENTS_TYPE.toLowerCase());
  const byId = new Map(all.map((r) => [r.id.toLowerCase(), r] as const));
  const wanted: ResourceRecord[] = [];
  const missing: string[] = [];
  if (req.resources.includes('*')) wanted.push(...all);
  else {
    for (const id of req.resources) {
      const r = byId.get(id.toLowerCase());
      if (r) wanted.push(r);
      else missing.push(id);
    }
  }
  wanted.sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1));
  const literal = req.options.has('skipallparameterization') || req.options.has('skipresourcenameparameterization');
  const parameters: Record<string, unknown> = {};
  const nameExpr = (id: string): { expr: string; resourceIdArgs: string } => {
    const { namespace, types, names } = segmentsOf(id);
    if (literal) return { expr: names.join('/'), resourceIdArgs: `'${namespace}/${types.join('/')}', ${names.map((n) => `'${n}'`).join(', ')}` };
    const param = parameterName(types[0]!, names[0]!);
    parameters[param] = { type: 'String', ...(req.options.has('includeparameterdefaultvalue') ? { defaultValue: names[0] } : {}) };
    const rest = names.slice(1);
    const expr = rest.length === 0 ? `[parameters('${param}')]` : `[concat(parameters('${param}'), '/${rest.join('/')}')]`;
    return { expr, resourceIdArgs: `'${namespace}/${types.join('/')}', parameters('${param}')${rest.map((n) => `, '${n}'`).join('')}` };
  };
  const resources = wanted.map((r) => {
    const { expr } = nameExpr(r.id);
    const parentId = r.id.split('/').slice(0, -2).join('/');
    const parent = segmentsOf(r.id).types.length > 1 && byId.has(parentId.toLowerCase()) ? parentId : undefined;
    const { provisioningState: _readOnly, ...properties } = r.properties;
    const identity = r.identity ? { type: r.identity.type, ...(r.identity.userAssignedIdentities ? { userAssignedIdentities: Object.fromEntries(Object.keys(r.identity.userAssignedIdentities).map((k) => [k, {}])) } : {}) } : undefined;
    return {
      type: r.type,
      apiVersion: r.apiVersion ?? '',
      name: expr,
      ...(r.location !== undefined ? { location: r.location } : {}),
      ...(parent ? { dependsOn: [`[resourceId(${nameExpr(parent).resourceIdArgs})]`] } : {}),
      ...(r.tags !== undefined ? { tags: r.tags } : {}),
      ...(r.sku !== undefined ? { sku: r.sku } : {}),
      ...(r.kind !== undefined ? { kind: r.kind } : {}),
      ...(identity ? { identity } : {}),
      properties,
    };
  });
  const template = {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters,
    variables: {},
    resources,
  };
  if (missing.length === 0) return { template };
  return {
    template,
    error: {
      code: 'ExportTemplateCompletedWithErrors',
      message: 'Export template operation completed with errors. Some resources were not exported. Please see details for more information.',
      details: missing.map((id) => ({ code: 'ResourceNotFound', target: id, message: `The resource '${id}' could not be found in the resource group.` })),
    },
  };
}

