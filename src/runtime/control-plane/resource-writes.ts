import { isTwinError } from '../../core/index.js';
import { fullType, type ProviderPath } from './paths.js';
import { armHttpError, type ArmAdditionalInfo, type ArmHttpError } from './wire.js';

/** The envelope fields of a resource PUT body that ARM passes to the resource provider (the rest is ARM's own). */
const BODY_FIELDS = ['location', 'kind', 'sku', 'tags', 'identity', 'properties', 'zones', 'plan', 'extendedLocation', 'managedBy'];

/**
 * A string of a request body as a template literal: a template reads `[…]` as an expression, and `[[` as a
 * literal `[` (ARM's escape), so every string (and property name) starting with `[` gets one more.
 */
export function escapeExpressions(value: unknown): unknown {
  if (typeof value === 'string') return value.startsWith('[') ? '[' + value : value;
  if (Array.isArray(value)) return value.map(escapeExpressions);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k.startsWith('[') ? '[' + k : k] = escapeExpressions(v);
  return out;
}

/**
 * A resource PUT (`…/providers/{Ns}/{type}/{name}[/…]`) as a one-resource template, so that it takes the path a
 * deployment takes — the same provider validation and normalisation, the same commit, the same reconcile and
 * rollback (docs/behaviour/arm-rest.md, "Writing resources"). What the runtime serves is what the PUT stored.
 */
export function singleResourceTemplate(p: ProviderPath, apiVersion: string, body: Record<string, unknown>): Record<string, unknown> {
  const resource: Record<string, unknown> = { type: fullType(p), apiVersion, name: p.names.join('/') };
  for (const [k, v] of Object.entries(body)) {
    const field = BODY_FIELDS.find((f) => f.toLowerCase() === k.toLowerCase());
    if (field !== undefined && v !== null && v !== undefined) resource[field] = escapeExpressions(v);
  }
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    resources: [resource],
  };
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** JSON merge patch (RFC 7396), as the resource providers apply a PATCH body: objects merge, `null` removes, the rest replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObj(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    const key = Object.keys(out).find((x) => x.toLowerCase() === k.toLowerCase()) ?? k;
    if (v === null) delete out[key];
    else out[key] = mergePatch(out[key], v);
  }
  return out;
}

function trustlineInfo(e: unknown): ArmAdditionalInfo[] {
  if (!isTwinError(e)) return [];
  const loc = e.location;
  return [{ type: 'TrustlineError', info: { code: e.code, ...(loc?.jsonPath ? { jsonPath: loc.jsonPath } : {}) } }];
}

/**
 * How a resource provider answers a PUT/PATCH it refuses: the twin error of the one-resource deployment as the
 * provider's synchronous 4xx (ARM passes the provider's answer through). Twin codes only in `additionalInfo`.
 */
export function resourceWriteError(e: unknown, id: string): ArmHttpError {
  const info = trustlineInfo(e);
  const extra = info.length ? { additionalInfo: info } : {};
  if (!isTwinError(e)) return armHttpError(500, 'InternalServerError', 'Encountered an internal server error.');
  const message = e.message.replace(/^Deployment template validation failed: '(.*)'\.$/s, '$1');
  if (e.code === 'ERR_ARM_RESOURCE_NOT_FOUND' && typeof e.details?.['parentId'] === 'string') {
    return armHttpError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${String(e.details['parentId']).replace(/^.*\/providers\/[^/]+\//i, '')}' not found.`, extra);
  }
  if (e.code === 'ERR_ARM_RESOURCE_NOT_FOUND') return armHttpError(404, 'ResourceNotFound', message, extra);
  if (e.code === 'ERR_ARM_LIMIT_EXCEEDED') return armHttpError(413, 'RequestContentTooLarge', message, extra);
  return armHttpError(400, e.code === 'ERR_ARM_RESOURCE_INVALID' || e.code === 'ERR_RUNTIME_RECONCILE' ? 'BadRequest' : 'InvalidRequestContent', message, { target: id, ...extra });
}
