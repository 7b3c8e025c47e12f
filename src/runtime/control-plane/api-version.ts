import { armHttpError } from './wire.js';

/**
 * API versions ARM itself (Microsoft.Resources: deployments, resource groups, resources, subscriptions,
 * tenants, providers) accepts. The list is the one ARM names in its `InvalidApiVersionParameter` answer
 * (observed 2024, e.g. ansible-collections/azure#1739), plus the versions the current SDKs send.
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

/** `GET /metadata/endpoints` versions: 2015-01-01 answers the legacy single-cloud object, the others the cloud list. */
export const METADATA_API_VERSIONS = ['2022-09-01', '2020-06-01', '2019-11-01', '2019-05-01', '2018-01-01', '2015-01-01'] as const;

const RESOURCES_SET = new Set<string>(RESOURCES_API_VERSIONS);

/** A date-shaped API version (`2023-01-01`, `2023-01-01-preview`), as ARM's RPC requires. */
const WELL_FORMED = /^\d{4}-\d{2}-\d{2}(-(preview|privatepreview|alpha|beta|rc))?$/i;

export function missingApiVersion(): Error {
  return armHttpError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
}

/** The api-version of a request to ARM's own routes, or ARM's 400 (missing / `InvalidApiVersionParameter`). */
export function requireResourcesApiVersion(query: URLSearchParams, supported: readonly string[] = RESOURCES_API_VERSIONS): string {
  const v = query.get('api-version');
  if (v === null || v === '') throw missingApiVersion();
  const ok = supported === RESOURCES_API_VERSIONS ? RESOURCES_SET.has(v) : supported.includes(v);
  if (!ok) throw armHttpError(400, 'InvalidApiVersionParameter', `The api-version '${v}' is invalid. The supported versions are '${supported.join(',')}'.`);
  return v;
}

/**
 * The api-version of a request to a resource provider's type. The twin does not hold every provider's
 * version list, so any date-shaped version is accepted (inferred, docs/differences.md); anything else gets
 * the resource provider answer ARM gives for an unknown version (`NoRegisteredProviderFound`).
 */
export function requireProviderApiVersion(query: URLSearchParams, type: string, location: string, known: readonly string[]): string {
  const v = query.get('api-version');
  if (v === null || v === '') throw missingApiVersion();
  if (WELL_FORMED.test(v)) return v;
  const shortType = type.split('/').slice(1).join('/');
  throw armHttpError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${location}' and API version '${v}' for type '${shortType}'. The supported api-versions are '${known.join(', ')}'. The supported locations are '${location}'.`,
  );
}
