import { describeError, isTwinError } from '../../core/index.js';
import { loadPolicyDocument, readPfx } from '../../gateway/index.js';
import { baseRecord, getPath, invalid, requireString } from './common.js';
import type { ProviderContext, ResourceProvider } from './types.js';

/** APIM configuration resources the gateway reads: policy fragments, loggers, diagnostics, version sets. */
const NS = 'Microsoft.ApiManagement/service';

/** `policyFragments`: a `<fragment>` document, validated as APIM does on save (format xml or rawxml). */
const fragmentProvider: ResourceProvider = {
  types: [`${NS}/policyFragments`],
  apply(input, ctx) {
    const value = requireString(input, ctx, 'value');
    const format = getPath(input.properties, 'format') ?? 'xml';
    if (typeof format !== 'string' || !/^(xml|rawxml)$/i.test(format)) throw invalid(input, ctx, `the fragment format '${String(format)}' is not supported; expected 'xml' or 'rawxml'.`);
    const serviceId = input.id.split('/').slice(0, 9).join('/');
    const namedValues = namedValuesOf(ctx, serviceId);
    try {
      const loaded = loadPolicyDocument(value, { namedValues, loose: ctx.loose, scope: 'fragment' });
      if (loaded.kind !== 'fragment') throw invalid(input, ctx, 'a policy fragment must have the root <fragment>.');
      for (const w of loaded.warnings) ctx.warn(`fragment '${input.id}': ${w}`);
    } catch (e) {
      if (isTwinError(e) && e.code === 'ERR_ARM_RESOURCE_INVALID') throw e;
      const where = isTwinError(e) && e.location?.line !== undefined ? ` (fragment line ${e.location.line}, column ${e.location.column ?? 0})` : '';
      throw invalid(input, ctx, `the fragment is not valid${where}: ${isTwinError(e) ? `${e.code}: ${e.message}` : describeError(e)}`);
    }
    return baseRecord(input);
  },
};

/** Named values of a service as the policy loader takes them (Key Vault ones resolved, see apim.ts). */
export function namedValuesOf(ctx: ProviderContext, serviceId: string): Array<{ name: string; value: string }> {
  return ctx.tx
    .listResources({ type: `${NS}/namedValues`, idPrefix: serviceId + '/' })
    .map((nv) => ({ name: String(nv.properties.displayName ?? nv.name.split('/').pop()), value: String((nv.listResults?.listvalue as { value?: unknown } | undefined)?.value ?? nv.properties.value ?? '') }));
}

const LOGGER_TYPES = ['azureEventHub', 'applicationInsights', 'azureMonitor'];

const loggerProvider: ResourceProvider = {
  types: [`${NS}/loggers`],
  apply(input, ctx) {
    const t = getPath(input.properties, 'loggerType');
    if (typeof t !== 'string' || !LOGGER_TYPES.some((x) => x.toLowerCase() === t.toLowerCase())) {
      throw invalid(input, ctx, `the property 'properties.loggerType' must be one of '${LOGGER_TYPES.join("', '")}'.`);
    }
    return baseRecord(input);
  },
};

const diagnosticProvider: ResourceProvider = {
  types: [`${NS}/diagnostics`, `${NS}/apis/diagnostics`],
  apply(input, ctx) {
    const name = input.name.split('/').pop()!.toLowerCase();
    if (!['applicationinsights', 'azuremonitor', 'azureeventhub', 'local'].includes(name)) ctx.warn(`diagnostic '${input.id}': the name '${name}' is not one APIM uses (applicationinsights, azuremonitor).`);
    const loggerId = getPath(input.properties, 'loggerId');
    if (name !== 'azuremonitor' && (typeof loggerId !== 'string' || loggerId === '')) throw invalid(input, ctx, "the property 'properties.loggerId' is required.");
    return baseRecord(input);
  },
};

const SCHEMES = ['Segment', 'Header', 'Query'];

/** `apiVersionSets`: how an API's version is carried (path segment, header or query parameter). */
const versionSetProvider: ResourceProvider = {
  types: [`${NS}/apiVersionSets`],
  apply(input, ctx) {
    requireString(input, ctx, 'displayName');
    const scheme = getPath(input.properties, 'versioningScheme');
    if (typeof scheme !== 'string' || !SCHEMES.some((s) => s.toLowerCase() === scheme.toLowerCase())) {
      throw invalid(input, ctx, `the property 'properties.versioningScheme' must be one of '${SCHEMES.join("', '")}'.`);
    }
    if (/^header$/i.test(scheme)) requireString(input, ctx, 'versionHeaderName');
    if (/^query$/i.test(scheme)) requireString(input, ctx, 'versionQueryName');
    return baseRecord(input);
  },
};

/** Where a certificate's PKCS#12 bundle is kept on its record: never in a GET body, and no POST action reaches it. */
export const CERTIFICATE_PFX_KEY = '/pfx';

/**
 * `certificates`: a client certificate for `authentication-certificate`, a PKCS#12 bundle given as `data` (base64) with
 * `password`, or from a Key Vault secret deployed in the twin (`keyVault.secretIdentifier`, the secret's value the
 * base64 bundle). It must open with its password (APIM refuses it on save); the record shows what APIM's GET shows
 * (`thumbprint`, `subject`, `expirationDate`), the bundle stays out of GET bodies.
 */
const certificateProvider: ResourceProvider = {
  types: [`${NS}/certificates`],
  apply(input, ctx) {
    let data = getPath(input.properties, 'data');
    const password = getPath(input.properties, 'password');
    const keyVault = getPath(input.properties, 'keyVault');
    if (keyVault !== undefined) {
      const sid = String(getPath(keyVault, 'secretIdentifier') ?? '').replace(/\/+$/, '').toLowerCase();
      const secret = ctx.tx.listResources({ type: 'Microsoft.KeyVault/vaults/secrets' })
        .find((r) => String(r.properties.secretUri ?? '').toLowerCase() === sid || String(r.properties.secretUriWithVersion ?? '').toLowerCase() === sid);
      if (!secret || typeof secret.properties.value !== 'string') throw invalid(input, ctx, `the Key Vault secret '${sid}' was not found in the twin (deploy the vault secret first).`);
      data = secret.properties.value;
    }
    if (typeof data !== 'string' || data === '') throw invalid(input, ctx, "either 'properties.data' (a base64 PKCS#12 bundle) or 'properties.keyVault' is required.");
    if (password !== undefined && typeof password !== 'string') throw invalid(input, ctx, "the property 'properties.password' must be a string.");
    let cert;
    try {
      cert = readPfx(Buffer.from(data, 'base64'), password);
    } catch (e) {
      throw invalid(input, ctx, isTwinError(e) ? e.message : describeError(e));
    }
    const { data: _d, password: _p, ...shown } = input.properties as Record<string, unknown>;
    const record = baseRecord({ ...input, properties: { ...shown, thumbprint: cert.thumbprint, subject: cert.subject, expirationDate: cert.notAfter } });
    record.listResults = { [CERTIFICATE_PFX_KEY]: { data, ...(password !== undefined ? { password } : {}) } };
    return record;
  },
};

export const apimConfigProviders: ResourceProvider[] = [fragmentProvider, loggerProvider, diagnosticProvider, versionSetProvider, certificateProvider];
