import { armError, atLine } from '../errors.js';
import type { SourceLocation } from '../../core/index.js';

/**
 * API versions ARM itself (Microsoft.Resources: deployments, resource groups, resources, subscriptions, tenants,
 * providers) accepts: the list ARM names in its `InvalidApiVersionParameter` answer and in the template error for a
 * nested deployment's `apiVersion` (observed 2024, e.g. ansible-collections/azure#1739, fortinet/azure-templates#63),
 * plus the versions the current SDKs send.
 */
export const RESOURCES_API_VERSIONS = [
  '2025-04-01', '2025-03-01', '2024-11-01', '2024-08-01', '2024-07-01', '2024-06-01-preview', '2024-03-01', '2023-07-01', '2023-07-01-preview',
  '2023-03-01-preview', '2022-12-01', '2022-11-01-preview', '2022-09-01', '2022-06-01', '2022-05-01', '2022-03-01-preview',
  '2022-01-01', '2021-04-01', '2021-01-01', '2020-10-01', '2020-09-01', '2020-08-01', '2020-07-01', '2020-06-01', '2020-05-01',
  '2020-01-01', '2019-11-01', '2019-10-01', '2019-09-01', '2019-08-01', '2019-07-01', '2019-06-01', '2019-05-10', '2019-05-01',
  '2019-03-01', '2018-11-01', '2018-09-01', '2018-08-01', '2018-07-01', '2018-06-01', '2018-05-01', '2018-02-01', '2018-01-01',
  '2017-12-01', '2017-08-01', '2017-06-01', '2017-05-10', '2017-05-01', '2017-03-01', '2016-09-01', '2016-07-01', '2016-06-01',
  '2016-02-01', '2015-11-01', '2015-01-01', '2014-04-01-preview', '2014-04-01', '2014-01-01', '2013-03-01', '2014-02-26', '2014-04',
] as const;

const RESOURCES_SET = new Set<string>(RESOURCES_API_VERSIONS.map((v) => v.toLowerCase()));

/** The newest of ARM's versions the twin knows. */
const NEWEST_RESOURCES_API_VERSION = [...RESOURCES_API_VERSIONS].map((v) => v.slice(0, 10)).sort().at(-1)!;

/** Is this one of ARM's own versions (case-insensitive)? */
export function isResourcesApiVersion(v: string): boolean {
  return RESOURCES_SET.has(v.toLowerCase());
}

/**
 * Could any resource provider have registered this api-version? ARM's RPC dates versions `YYYY-MM-DD` with an optional
 * suffix (`-preview`, `-privatepreview`, `-alpha`…); registered lists also hold a few `YYYY-MM` ones (`2014-04`). A
 * version that is not shaped so, or names a day no calendar has (`2023-02-30`), is registered by no provider.
 */
export function isWellFormedApiVersion(v: string): boolean {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:-[a-z][a-z0-9]*)?$/i.exec(v);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) return false;
  if (m[3] === undefined) return true;
  const day = Number(m[3]);
  return day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * ARM's answer for a resource provider's type at an api-version no provider registered (observed, e.g.
 * azure-cli#28496, Azure/ResourceModules#454): `NoRegisteredProviderFound`, "No registered resource provider found for
 * location '{location}' and API version '{version}' for type '{type without namespace}'. The supported api-versions
 * are '{a, b}'. The supported locations are '{…}'." The twin names the versions it has seen for the type (it holds no
 * provider's registration list) and its own location.
 */
export function noRegisteredProviderMessage(type: string, apiVersion: string, location: string, known: readonly string[]): string {
  const shortType = type.split('/').slice(1).join('/');
  return `No registered resource provider found for location '${location}' and API version '${apiVersion}' for type '${shortType}'. The supported api-versions are '${known.join(', ')}'. The supported locations are '${location}'.`;
}

/**
 * Check the api-version of a template resource about to be deployed, as ARM does: a nested deployment
 * (`Microsoft.Resources/deployments`, ARM's own type) must use one of ARM's versions (its synchronous template
 * validation, `ERR_ARM_TEMPLATE_INVALID` → `InvalidTemplate` with ARM's message); a provider's type must use a
 * version some provider could have registered (`ERR_ARM_API_VERSION_UNSUPPORTED` → the resource's operation fails with
 * `NoRegisteredProviderFound`). Any well-formed version of a provider's type is accepted, and a nested deployment's
 * version dated after the newest of ARM's list (ARM may have registered it since the list was taken; docs/differences.md).
 */
export function checkResourceApiVersion(r: { type: string; name: string; id: string; apiVersion: unknown; location: SourceLocation; resourceLocation: string; known: () => string[] }): void {
  if (typeof r.apiVersion !== 'string') return;
  if (r.type.toLowerCase() === 'microsoft.resources/deployments') {
    if (isResourcesApiVersion(r.apiVersion)) return;
    // A well-formed version newer than the twin's list may be one ARM registered since: accepted (the list ages).
    if (isWellFormedApiVersion(r.apiVersion) && r.apiVersion.slice(0, 10) > NEWEST_RESOURCES_API_VERSION) return;
    throw armError(
      'ERR_ARM_TEMPLATE_INVALID',
      `The template resource '${r.name}'${atLine(r.location)} is invalid. 'ApiVersion' property is invalid. The supported versions are '${RESOURCES_API_VERSIONS.join(',')}'. Please see https://aka.ms/arm-syntax-resources for usage details.`,
      { ...r.location, jsonPath: r.location.jsonPath ? `${r.location.jsonPath}.apiVersion` : 'apiVersion' },
      { apiVersion: r.apiVersion },
    );
  }
  if (isWellFormedApiVersion(r.apiVersion)) return;
  throw armError('ERR_ARM_API_VERSION_UNSUPPORTED', noRegisteredProviderMessage(r.type, r.apiVersion, r.resourceLocation, r.known()), r.location, { resourceId: r.id, apiVersion: r.apiVersion });
}
