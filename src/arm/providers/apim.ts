import { linkedDocumentFile, readLinkedDocument } from '../template/link-roots.js';
import { loadPolicyDocument, parseUrlTemplate } from '../../gateway/index.js';
import { describeError, isTwinError } from '../../core/index.js';
import { applyManagedIdentity, baseRecord, getPath, invalid, leafName, previousRecord, requireString } from './common.js';
import type { ProviderContext, ResourceInput, ResourceProvider } from './types.js';
import { apimAccessProviders } from './apim-access.js';
import { apimConfigProviders, checkEntityReferences, checkNamedValueReferences, namedValuesOf } from './apim-config.js';
import { importApiDefinition } from './apim-import.js';
import { serviceDefaults } from './apim-defaults.js';
import { apimHostnameConfigurations, apimServiceUrls } from './read-only-table.js';
import { regionOf, twinPublicIp } from './twin-values.js';

const NS = 'Microsoft.ApiManagement/service';
const POLICY_FORMATS = ['xml', 'rawxml', 'xml-link', 'rawxml-link'];

const plain = (types: string[], validate: (input: ResourceInput, ctx: ProviderContext) => void): ResourceProvider => ({
  types,
  apply(input, ctx) {
    validate(input, ctx);
    return baseRecord(input);
  },
});

export const apimServiceProvider: ResourceProvider = {
  types: [NS],
  apply(input, ctx) {
    requireString(input, ctx, 'publisherEmail');
    requireString(input, ctx, 'publisherName');
    checkCaCertificates(input, ctx);
    const record = baseRecord(input);
    // The service's host names (gateway, regional gateway, portals, management API, Git) and public address: read-only,
    // as APIM's GET shows them. The Consumption tier has the gateway only (no portals, no dedicated address).
    const consumption = String(getPath(input.sku, 'name') ?? '').toLowerCase() === 'consumption';
    const urls = apimServiceUrls(input.name, regionOf(input));
    record.properties = { ...record.properties, ...(consumption ? { gatewayUrl: urls['gatewayUrl'] } : { ...urls, publicIPAddresses: [twinPublicIp(input.id)] }) };
    record.properties['hostnameConfigurations'] = apimHostnameConfigurations(input.name, record.properties['hostnameConfigurations']);
    // An Internal-VNet service has a private address in its subnet (a twin value; templates point DNS records at it).
    if (String(getPath(input.properties, 'virtualNetworkType') ?? '').toLowerCase() === 'internal') record.properties['privateIPAddresses'] = ['10.0.0.4'];
    applyManagedIdentity(record, ctx);
    // A new service comes with what APIM creates in it (docs/behaviour/apim.md §3.1); a redeploy leaves them as they are.
    if (!previousRecord(record, ctx)) apimServiceProvider.presume!(record, ctx);
    return record;
  },
  // A service that exists outside the template holds what APIM created in it (expansion presumes its tier's objects).
  presume(record, ctx) {
    if (ctx.apimBuiltInObjects !== 'none') for (const r of serviceDefaults(record, ctx)) ctx.tx.putResource(r);
  },
};

/**
 * The service's CA certificates (`properties.certificates`, what validate-client-certificate trusts): each an
 * `encodedCertificate` (base64 DER, no PEM markers: Azure refuses a PEM with the message below [obs, a published
 * deployment log]) in the store `Root` or `CertificateAuthority`.
 */
function checkCaCertificates(input: ResourceInput, ctx: ProviderContext): void {
  const list = getPath(input.properties, 'certificates');
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw invalid(input, ctx, "the property 'properties.certificates' must be an array.");
  list.forEach((c: unknown, i) => {
    const cert = (c ?? {}) as { encodedCertificate?: unknown; storeName?: unknown };
    const store = String(cert.storeName ?? '');
    if (!['root', 'certificateauthority'].includes(store.toLowerCase())) {
      throw invalid(input, ctx, `'properties.certificates[${i}].storeName' must be 'Root' or 'CertificateAuthority', not '${store}'.`);
    }
    const data = cert.encodedCertificate;
    if (typeof data !== 'string' || data.includes('-----') || !/^[A-Za-z0-9+/=\s]+$/.test(data) || Buffer.from(data.replace(/\s+/g, ''), 'base64').length < 64) {
      const storeWord = store.toLowerCase() === 'root' ? 'Root' : 'Intermediates';
      throw invalid(input, ctx, `Invalid parameter: The certificate's data file format associated with ${storeWord} must be a Base64-encoded .pfx file ('properties.certificates[${i}].encodedCertificate': base64 DER without PEM markers).`);
    }
  });
}

/**
 * Policies (service, API, operation, product). `xml-link`/`rawxml-link` documents are read when the
 * deployment runs, as APIM fetches them on save: a `file://` URL is read from this machine and kept
 * (`listResults.content`, what the gateway serves); an http(s) link is read from an offline mirror of its URL
 * (`ProviderContext.linkRoots`, `--link-root`), else it cannot be fetched offline and is
 * refused (loose: ignored with a warning, the scope then has no policy).
 */
const policyProvider: ResourceProvider = {
  types: [`${NS}/policies`, `${NS}/apis/policies`, `${NS}/apis/operations/policies`, `${NS}/products/policies`],
  apply(input, ctx) {
    if (leafName(input.name).toLowerCase() !== 'policy') {
      throw invalid(input, ctx, `the policy name must be 'policy', not '${leafName(input.name)}'.`);
    }
    const format = getPath(input.properties, 'format') ?? 'xml';
    if (typeof format !== 'string' || !POLICY_FORMATS.includes(format.toLowerCase())) {
      throw invalid(input, ctx, `the policy format '${String(format)}' is not supported; expected one of '${POLICY_FORMATS.join("', '")}'.`);
    }
    const value = requireString(input, ctx, 'value');
    const record = baseRecord(input);
    if (!format.toLowerCase().endsWith('-link')) {
      validatePolicy(input, ctx, value);
      return record;
    }
    let file: string | undefined;
    try {
      file = linkedDocumentFile(value, ctx.linkRoots ?? []);
    } catch {
      throw invalid(input, ctx, `the policy link '${value}' is not a URL.`);
    }
    if (file === undefined) {
      const reason = `the policy link '${value}' cannot be fetched: the twin is offline (use a file:// URL, an offline mirror of its URL (--link-root), or format 'rawxml').`;
      if (!ctx.loose) throw invalid(input, ctx, reason);
      ctx.warn(`policy of '${input.id}': ${reason} (loose mode: the scope has no policy)`);
      return record;
    }
    let content: string;
    try {
      content = readLinkedDocument(file);
    } catch (e) {
      throw invalid(input, ctx, `the policy link '${value}' cannot be read: ${describeError(e)}`);
    }
    validatePolicy(input, ctx, content);
    record.listResults = { content };
    return record;
  },
};

/**
 * APIM validates a policy document when it is saved (a PUT with a bad policy answers 400), so a
 * deployment carrying one fails here, before anything is written, with the policy's line:column.
 */
function validatePolicy(input: ResourceInput, ctx: ProviderContext, value: string): void {
  const serviceId = input.id.split('/').slice(0, 9).join('/');
  const namedValues = namedValuesOf(ctx, serviceId);
  const fragments = ctx.tx
    .listResources({ type: `${NS}/policyFragments`, idPrefix: serviceId + '/' })
    .map((f) => ({ id: leafName(f.name), value: String(f.properties.value ?? ''), source: f.id }));
  const t = input.type.toLowerCase();
  const scope = t === `${NS}/policies`.toLowerCase() ? 'global' : t.endsWith('operations/policies') ? 'operation' : t.endsWith('products/policies') ? 'product' : 'api';
  checkNamedValueReferences(input, ctx, value, namedValues, 'policy');
  try {
    const loaded = loadPolicyDocument(value, { namedValues, loose: ctx.loose, scope, fragments, namedValuesAfterXmlParse: ctx.apimNamedValuesAfterXmlParse ?? true });
    if (loaded.kind !== 'policies') throw invalid(input, ctx, 'a policy must have the root <policies> (a <fragment> goes in policyFragments).');
    checkEntityReferences(input, ctx, loaded.root, serviceId, 'policy');
    for (const w of loaded.warnings) ctx.warn(`policy of '${input.id}': ${w}`);
  } catch (e) {
    if (isTwinError(e) && e.code === 'ERR_ARM_RESOURCE_INVALID') throw e;
    const where = isTwinError(e) && e.location?.line !== undefined ? ` (policy line ${e.location.line}, column ${e.location.column ?? 0})` : '';
    throw invalid(input, ctx, `the policy is not valid${where}: ${isTwinError(e) ? `${e.code}: ${e.message}` : describeError(e)}`);
  }
}

const apiProvider: ResourceProvider = {
  types: [`${NS}/apis`],
  apply(input, ctx) {
  const revision = revisionOfName(input, ctx);
  let path = getPath(input.properties, 'path');
  if (revision && path === undefined) {
    // A revision shares its API's path (APIM copies it from the API or sourceApiId).
    const base = ctx.tx.getResource(input.id.replace(/;rev=[^/]*$/i, '')) ?? sourceOf(input, ctx);
    path = base?.properties.path;
    if (typeof path === 'string') input = { ...input, properties: { ...input.properties, path } };
  }
  if (typeof path !== 'string') throw invalid(input, ctx, "the property 'properties.path' is required.");
  const serviceUrl = getPath(input.properties, 'serviceUrl');
  if (serviceUrl !== undefined && (typeof serviceUrl !== 'string' || !/^https?:\/\/[^/]+/i.test(serviceUrl))) {
    throw invalid(input, ctx, `the property 'properties.serviceUrl' must be an absolute http(s) URL, not ${JSON.stringify(serviceUrl)}.`);
  }
  const protocols = getPath(input.properties, 'protocols');
  if (protocols !== undefined && (!Array.isArray(protocols) || protocols.some((p) => typeof p !== 'string' || !/^(http|https|ws|wss)$/i.test(p)))) {
    throw invalid(input, ctx, `the property 'properties.protocols' must be an array of 'http', 'https', 'ws', 'wss'.`);
  }
  const record = baseRecord(input);
  if (revision) record.properties = { ...record.properties, apiRevision: revision, isCurrent: getPath(input.properties, 'isCurrent') === true };
  importApiDefinition(input, record, ctx);
  return record;
  },
};

/**
 * An API named `name;rev=N` is revision N of API `name` (docs/behaviour/apim.md §1.4): N is a whole number. The
 * identifier names the revision (REST: "Non-current revision has ;rev=n as a suffix where n is the revision number"),
 * so an `apiRevision` in the body that says otherwise does not move it: the revision is N, as GET then shows, and the
 * deployment says so in a warning [I]. Returns N, or undefined for a plain API name.
 */
function revisionOfName(input: ResourceInput, ctx: ProviderContext): string | undefined {
  const m = /;rev=([^/]*)$/i.exec(input.name);
  const given = getPath(input.properties, 'apiRevision');
  if (!m) return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(m[1]!)) throw invalid(input, ctx, `the revision '${m[1]}' in the API name must be a whole number from 1.`);
  if (given !== undefined && given !== null && String(given) !== m[1]) {
    ctx.warn(`API '${input.id}': 'properties.apiRevision' ('${String(given)}') differs from the revision in its name ('${m[1]}'); the name decides: it is revision ${m[1]}.`);
  }
  return m[1];
}

function sourceOf(input: ResourceInput, ctx: ProviderContext) {
  const src = getPath(input.properties, 'sourceApiId');
  if (typeof src !== 'string') return undefined;
  const name = src.split('/').pop()!;
  return ctx.tx.getResource(input.id.replace(/\/apis\/[^/]+$/i, `/apis/${name}`));
}

/** `apis/releases`: makes the revision named by `apiId` the current one (the latest release wins). */
const releaseProvider = plain([`${NS}/apis/releases`], (input, ctx) => {
  const apiId = requireString(input, ctx, 'apiId');
  const name = apiId.split('/').pop()!;
  const api = ctx.tx.getResource(input.id.replace(/\/apis\/[^/]+\/releases\/[^/]+$/i, `/apis/${name}`));
  if (!api) throw invalid(input, ctx, `the property 'properties.apiId' names '${apiId}', which is not an API revision of this service.`);
});

const operationProvider = plain([`${NS}/apis/operations`], (input, ctx) => {
  requireString(input, ctx, 'method');
  const urlTemplate = requireString(input, ctx, 'urlTemplate');
  // APIM refuses a template it cannot route on save (400 ValidationError on urlTemplate), e.g. a
  // second `{*x}` wildcard or one that is not the last segment: the deployment fails here.
  try {
    parseUrlTemplate(urlTemplate, ctx.location);
  } catch (e) {
    throw invalid(input, ctx, `the property 'properties.urlTemplate' is not valid: ${isTwinError(e) ? `${e.code}: ${e.message}` : describeError(e)}`);
  }
});

const backendProvider = plain([`${NS}/backends`], (input, ctx) => {
  requireString(input, ctx, 'url');
  requireString(input, ctx, 'protocol');
});

/**
 * `namedValues`: plain, secret, or Key Vault–backed (`keyVault.secretIdentifier`), resolved from the
 * Key Vault secrets deployed in the twin; a secret that is not there fails the deployment (APIM
 * refuses a named value it cannot fetch). The value is answered by `listValue()`; an ARM GET of a
 * secret or Key Vault named value does not show it (as in Azure).
 */
const namedValueProvider: ResourceProvider = {
  types: [`${NS}/namedValues`],
  apply(input, ctx) {
    const displayName = requireString(input, ctx, 'displayName');
    if (!/^[A-Za-z0-9._-]+$/.test(displayName)) throw invalid(input, ctx, `the display name '${displayName}' may only contain letters, digits, '.', '-' and '_'.`);
    const value = getPath(input.properties, 'value');
    const keyVault = getPath(input.properties, 'keyVault');
    if (typeof value !== 'string' && keyVault === undefined) throw invalid(input, ctx, "either 'properties.value' or 'properties.keyVault' is required.");
    let resolved = typeof value === 'string' ? value : '';
    if (keyVault !== undefined) {
      const sid = getPath(keyVault, 'secretIdentifier');
      if (typeof sid !== 'string' || !/^https:\/\/[^/]+\/secrets\/[^/]+(\/[^/]+)?\/?$/i.test(sid)) throw invalid(input, ctx, "the property 'properties.keyVault.secretIdentifier' must be a Key Vault secret URI.");
      const want = sid.replace(/\/+$/, '').toLowerCase();
      const secret = ctx.tx.listResources({ type: 'Microsoft.KeyVault/vaults/secrets' }).find((r) => {
        const uri = String(r.properties.secretUri ?? '').toLowerCase();
        const withVersion = String(r.properties.secretUriWithVersion ?? '').toLowerCase();
        return uri === want || withVersion === want;
      });
      if (!secret || typeof secret.properties.value !== 'string') {
        if (!ctx.loose) throw invalid(input, ctx, `the Key Vault secret '${sid}' was not found in the twin (deploy the vault secret first).`);
        ctx.warn(`named value '${input.id}': the Key Vault secret '${sid}' was not found (loose mode: empty value).`);
      } else resolved = secret.properties.value;
    }
    const record = baseRecord(input);
    const hidden = keyVault !== undefined || getPath(input.properties, 'secret') === true;
    if (hidden) {
      const { value: _v, ...rest } = record.properties as Record<string, unknown>;
      record.properties = rest;
    }
    record.listResults = { listvalue: { value: resolved } };
    return record;
  },
};

export const apimProviders: ResourceProvider[] = [
  apimServiceProvider,
  apiProvider,
  operationProvider,
  releaseProvider,
  policyProvider,
  backendProvider,
  namedValueProvider,
  ...apimAccessProviders,
  ...apimConfigProviders,
];
