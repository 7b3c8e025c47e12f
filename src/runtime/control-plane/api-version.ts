import { RESOURCES_API_VERSIONS, isWellFormedApiVersion, noRegisteredProviderMessage } from '../../arm/index.js';
import { armHttpError } from './wire.js';

/** ARM's own versions (src/arm/providers/api-versions.ts: the deployment engine checks nested deployments against them). */
export { RESOURCES_API_VERSIONS };

/** `GET /metadata/endpoints` versions: 2015-01-01 answers the legacy single-cloud object, the others the cloud list. */
export const METADATA_API_VERSIONS = ['2022-09-01', '2020-06-01', '2019-11-01', '2019-05-01', '2018-01-01', '2015-01-01'] as const;

const RESOURCES_SET = new Set<string>(RESOURCES_API_VERSIONS);

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
  if (isWellFormedApiVersion(v)) return v;
  throw armHttpError(400, 'NoRegisteredProviderFound', noRegisteredProviderMessage(type, v, location, known));
}
