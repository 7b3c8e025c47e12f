import { describeError, isTwinError } from '../../core/index.js';
import { loadPolicyDocument, readCertificateEntity } from '../../gateway/index.js';
import { baseRecord, getPath, invalid, requireString } from './common.js';
import type { ProviderContext, ResourceInput, ResourceProvider } from './types.js';

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
    checkNamedValueReferences(input, ctx, value, namedValues, 'fragment');
    try {
      const loaded = loadPolicyDocument(value, { namedValues, loose: ctx.loose, scope: 'fragment', namedValuesAfterXmlParse: ctx.apimNamedValuesAfterXmlParse ?? true });
      if (loaded.kind !== 'fragment') throw invalid(input, ctx, 'a policy fragment must have the root <fragment>.');
      checkEntityReferences(input, ctx, loaded.root, serviceId, 'fragment');
      for (const w of loaded.warnings) ctx.warn(`fragment '${input.id}': ${w}`);
    } catch (e) {
      if (isTwinError(e) && e.code === 'ERR_ARM_RESOURCE_INVALID') throw e;
      const where = isTwinError(e) && e.location?.line !== undefined ? ` (fragment line ${e.location.line}, column ${e.location.column ?? 0})` : '';
      throw invalid(input, ctx, `the fragment is not valid${where}: ${isTwinError(e) ? `${e.code}: ${e.message}` : describeError(e)}`);
    }
    return baseRecord(input);
  },
};

/**
 * The `{{name}}` references of a policy or fragment that name no named value of the service (XML comments
 * skipped). APIM refuses to save such a document ("property … does not exist"), and the gateway would otherwise
 * send the literal `{{name}}`: a deployment carrying one fails (loose: a warning). A Liquid `set-body`
 * (`template="liquid"`) writes its own `{{body.x}}` / `{{context.…}}` outputs: unknown names there are Liquid's, and
 * APIM saves such policies (Azure/apiops-cli issue #276: services hold them); known named values still substitute.
 */
export function unknownNamedValues(text: string, namedValues: Array<{ name: string }>): string[] {
  const known = new Set(namedValues.map((nv) => nv.name.toLowerCase()));
  const out = new Set<string>();
  const checked = withoutLiquidBodies(text.replace(/<!--[\s\S]*?-->/g, ''));
  for (const m of checked.matchAll(/\{\{\s*([A-Za-z0-9._-]+)\s*\}\}/g)) if (!known.has(m[1]!.toLowerCase())) out.add(m[1]!);
  return [...out];
}

/** The text without the content of each `<set-body template="liquid">` (linear: indexOf scans, no backtracking regex). */
function withoutLiquidBodies(text: string): string {
  const lower = text.toLowerCase();
  let out = '';
  let from = 0;
  for (let at = lower.indexOf('<set-body', from); at !== -1; at = lower.indexOf('<set-body', from)) {
    const tagEnd = lower.indexOf('>', at);
    if (tagEnd === -1) break;
    out += text.slice(from, tagEnd + 1);
    from = tagEnd + 1;
    if (lower[tagEnd - 1] === '/' || !/\btemplate\s*=\s*["']liquid["']/.test(lower.slice(at, tagEnd))) continue;
    // Each search for the closing tag starts where the last one ended: the whole scan stays linear.
    const close = lower.indexOf('</set-body', tagEnd);
    if (close === -1) break;
    from = close;
  }
  return out + text.slice(from);
}

export function checkNamedValueReferences(input: ResourceInput, ctx: ProviderContext, text: string, namedValues: Array<{ name: string }>, what: string): void {
  for (const name of unknownNamedValues(text, namedValues)) {
    const reason = `the ${what} is not valid: ERR_APIM_NAMED_VALUE_NOT_FOUND: the named value '${name}' referenced as {{${name}}} does not exist in the service (deploy it first, or before the ${what} with dependsOn).`;
    if (!ctx.loose) throw invalid(input, ctx, reason);
    ctx.warn(`${what} of '${input.id}': ${reason} (loose mode: sent as written)`);
  }
}

/** Policy elements that name another entity of the service by id, and that entity's type (APIM checks them on save). */
const ENTITY_REFERENCES: Array<{ element: string; attr: string; type: string; what: string }> = [
  { element: 'set-backend-service', attr: 'backend-id', type: 'backends', what: 'Backend' },
  { element: 'log-to-eventhub', attr: 'logger-id', type: 'loggers', what: 'Logger' },
];

interface ReferenceNode { name: string; attrs: Record<string, string>; children: ReferenceNode[]; line: number; column: number }

/**
 * A policy's `set-backend-service backend-id` and `log-to-eventhub logger-id` that name no backend / logger of the
 * service: APIM refuses to save the policy ("Error in element 'set-backend-service' on line 4, column 4: Backend with
 * id 'x' could not be found.", apiops issues #56 and #565), so the deployment fails here instead of the gateway failing
 * every call. An expression (`@(…)`) is checked at run time only.
 */
export function checkEntityReferences(input: ResourceInput, ctx: ProviderContext, root: ReferenceNode, serviceId: string, what: string): void {
  const ids = new Map<string, Set<string>>();
  const idsOf = (type: string) => {
    let set = ids.get(type);
    if (!set) {
      set = new Set(ctx.tx.listResources({ type: `${NS}/${type}`, idPrefix: serviceId + '/' }).map((r) => r.name.split('/').pop()!.toLowerCase()));
      ids.set(type, set);
    }
    return set;
  };
  const visit = (n: ReferenceNode) => {
    for (const ref of ENTITY_REFERENCES) {
      const id = n.name === ref.element ? n.attrs[ref.attr] : undefined;
      if (id === undefined || id.startsWith('@') || idsOf(ref.type).has(id.toLowerCase())) continue;
      const reason = `the ${what} is not valid: Error in element '${ref.element}' on line ${n.line}, column ${n.column}: ${ref.what} with id '${id}' could not be found.`;
      if (!ctx.loose) throw invalid(input, ctx, reason);
      ctx.warn(`${what} of '${input.id}': ${reason} (loose mode: kept)`);
    }
    n.children.forEach(visit);
  };
  visit(root);
}

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
 * `password` (or a bare certificate without a password, base64 DER as a `.cer` export: validate-client-certificate's
 * `issuer-certificate-id` and `context.Deployment.Certificates` use it; it cannot be presented), or from a Key Vault secret deployed in the twin (`keyVault.secretIdentifier`, the secret's value the
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
      cert = readCertificateEntity(Buffer.from(data, 'base64'), password);
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
