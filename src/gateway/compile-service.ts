import type { DeploymentInfo } from './expressions/host.js';
import { secretRedactor, type Redactor } from './secret-redaction.js';
import { TwinError, type Logger } from '../core/index.js';
import { resolveGatewayCompatFlags, type GatewayCompatFlags } from './compat-flags.js';
import { parseUrl, type ApiInfo, type MutableUrl, type OperationInfo } from './expressions/host.js';
import type { ProductData, UserData } from './pipeline/runtime-data.js';
import { composePolicies, type EffectivePipeline } from './policy/compose.js';
import { DEFAULT_GLOBAL_POLICY, loadPolicyDocument, type LoadedPolicy, type LoadPolicyOptions } from './policy/document.js';
import { normalizeApiPath } from './routing.js';
import { DEFAULT_KEY_HEADER, DEFAULT_KEY_QUERY } from './subscriptions.js';
import { parseUrlTemplate, type UrlTemplate } from './url-template.js';
import { readCertificateEntity, type ClientCertificate } from './pfx.js';
import { buildTrust, type CertificateTrust } from './client-certificates.js';
import { compileXsd, isXsdSchema, prepareXmlSchemas } from './validation/xml-schema.js';
import type {
  ApiConfig, CompiledServiceHandle, OperationConfig, PolicyDocument, ProductConfig, ServiceConfig, SubscriptionConfig, UserConfig,
} from './types.js';

export interface CompiledOperation {
  readonly config: OperationConfig;
  readonly method: string;
  readonly matcher: UrlTemplate;
  readonly info: OperationInfo;
  /** Effective pipeline without a product (global + API + operation). */
  readonly pipeline: EffectivePipeline;
  /** Effective pipeline per product name (lower case) containing the API: global + product + API + operation. */
  readonly productPipelines: ReadonlyMap<string, EffectivePipeline>;
}

export interface CompiledApi {
  readonly config: ApiConfig;
  readonly path: string;
  readonly serviceUrl: MutableUrl | null;
  readonly protocols: ReadonlySet<string>;
  readonly subscriptionRequired: boolean;
  readonly keyNames: { header: string; query: string };
  readonly info: ApiInfo;
  readonly operations: readonly CompiledOperation[];
  /** global + API (for errors before an operation matched). */
  readonly apiPipeline: EffectivePipeline;
  /** Revision number ('1' unless `;rev=N`), and whether requests without `;rev=` reach it. */
  readonly revision: string;
  readonly isCurrent: boolean;
}

/** Everything a request needs, compiled once; swapped atomically by `setService`. */
export interface CompiledService extends CompiledServiceHandle {
  readonly config: ServiceConfig;
  /** `context.Deployment` of every request. */
  readonly deployment: DeploymentInfo;
  readonly apis: readonly CompiledApi[];
  readonly backends: ReadonlyMap<string, string>;
  readonly subscriptions: readonly SubscriptionConfig[];
  readonly products: readonly ProductConfig[];
  /** context.Product per product name (lower case). */
  readonly productData: ReadonlyMap<string, ProductData>;
  /** context.User per user name (lower case). */
  readonly userData: ReadonlyMap<string, UserData>;
  readonly loggers: ReadonlySet<string>;
  readonly globalPipeline: EffectivePipeline;
  /** Client certificates by certificate id and by thumbprint (lower case), opened once here. */
  readonly certificates: ReadonlyMap<string, ClientCertificate>;
  /** What validate-client-certificate trusts: the service's CA certificates and the runtime's extra roots. */
  readonly trust: CertificateTrust;
  /** Hides the service's secret named values in log lines and decision records (undefined: it has none). */
  readonly redact?: Redactor;
}

export interface CompileServiceOptions {
  loose?: boolean | undefined;
  logger: Logger;
  flags?: Partial<GatewayCompatFlags>;
  /** Roots trusted besides the service's CA certificates (PEM): the twin's local CA, which issues client certificates. */
  trustedRoots?: readonly string[];
}

function productData(p: ProductConfig, apis: readonly CompiledApi[]): ProductData {
  const inProduct = new Set(p.apis.map((a) => a.toLowerCase()));
  return {
    apiInfos: apis.filter((a) => inProduct.has(a.config.name.toLowerCase())).map((a) => a.info),
    id: p.name, name: p.displayName ?? p.name,
    state: (p.state ?? 'published').toLowerCase() === 'published' ? 'Published' : 'NotPublished',
    subscriptionRequired: p.subscriptionRequired ?? true, approvalRequired: p.approvalRequired ?? false,
    subscriptionsLimit: p.subscriptionsLimit ?? null, groups: [...(p.groups ?? [])], apis: [...p.apis],
  };
}

function userData(u: UserConfig): UserData {
  return {
    id: u.name, email: u.email ?? '', firstName: u.firstName ?? '', lastName: u.lastName ?? '', note: u.note ?? '',
    registrationDate: u.registrationDate ?? '', groups: (u.groups ?? []).map((g) => ({ id: g, name: g })), identities: [{ provider: 'Basic', id: u.email ?? u.name }],
  };
}

/**
 * One policy document of a scope (or a fragment) loaded as a deployed service loads it: the compat flags that change
 * how a document reads (`namedValuesAfterXmlParse`) applied here, for `compileService` and for `trustline policy
 * compile` alike (`compilePolicy`), so that a document compiles the same way under both.
 */
export function loadScopePolicy(
  value: string,
  o: Omit<LoadPolicyOptions, 'namedValuesAfterXmlParse'> & { flags?: Partial<GatewayCompatFlags> | undefined },
): LoadedPolicy {
  const { flags, ...rest } = o;
  return loadPolicyDocument(value, { ...rest, namedValuesAfterXmlParse: resolveGatewayCompatFlags(flags).namedValuesAfterXmlParse });
}

/**
 * Compile a service's configuration once: every policy document (global, product, API, operation)
 * loaded with named values and fragments, every URL template validated, and the effective pipeline
 * of each operation composed for each product context. What this refuses, the deployment refuses.
 */
export function compileService(config: ServiceConfig, options: CompileServiceOptions): CompiledService {
  const warnings: string[] = [];
  const loose = options.loose ?? false;
  const flags = resolveGatewayCompatFlags(options.flags);
  const defaultProtocols = [...flags.defaultApiProtocols];
  // context.Api / context.Operation: `Id` is the identifier (the resource name), `Name` the display name (compat flag
  // apiOperationName), as the product (`context.Product.Name`: the product's displayName) and the subscription
  // (`context.Subscription.Name`: its display name, Azure/api-management-developer-portal#2081) answer. Learn's context
  // reference lists `Id` and `Name` as two members of IApi and IOperation; the policy toolkit's emulator gives them
  // different values (MockApi Id "CVjSPi5XPE", Name "mock-api"). docs/behaviour/apim.md §4.3.
  const nameOf = (x: { name: string; displayName?: string | undefined }) => (flags.apiOperationName === 'identifier' ? x.name : x.displayName ?? x.name);
  const fragments = (config.fragments ?? []).map((f) => ({ id: f.id, value: f.value, source: f.source ?? `${config.resourceId}/policyFragments/${f.id}` }));
  const load = (doc: PolicyDocument | undefined, scope: string, fallbackSource: string): LoadedPolicy | undefined => {
    if (!doc) return undefined;
    const file = doc.source ?? fallbackSource;
    const loaded = loadScopePolicy(doc.value, { namedValues: config.namedValues, loose, file, scope, fragments, flags });
    if (loaded.kind !== 'policies') {
      throw new TwinError('ERR_APIM_POLICY_STRUCTURE', `A ${scope} policy must have the root <policies>, not <fragment>`, { location: { file } });
    }
    warnings.push(...loaded.warnings);
    return loaded;
  };
  const global = load(config.globalPolicy, 'global', `${config.resourceId}/policies/policy`)
    ?? loadPolicyDocument(DEFAULT_GLOBAL_POLICY, { scope: 'global', file: '(default global policy)' });
  const products = config.products ?? [];
  const productDocs = new Map(products.map((p) => [p.name.toLowerCase(), load(p.policy, 'product', `${config.resourceId}/products/${p.name}/policies/policy`)]));
  const apis: CompiledApi[] = config.apis.map((api) => {
    const apiDoc = load(api.policy, 'api', `${api.id}/policies/policy`);
    let serviceUrl: MutableUrl | null = null;
    if (api.serviceUrl) {
      try {
        serviceUrl = parseUrl(api.serviceUrl);
      } catch (e) {
        throw new TwinError('ERR_APIM_CONFIG', `API '${api.name}' has an invalid serviceUrl '${api.serviceUrl}'`, { cause: e, location: { file: api.id } });
      }
    }
    const path = normalizeApiPath(api.path);
    const keyNames = {
      header: api.subscriptionKeyParameterNames?.header || DEFAULT_KEY_HEADER,
      query: api.subscriptionKeyParameterNames?.query || DEFAULT_KEY_QUERY,
    };
    const revision = api.revision ?? /;rev=([^/]*)$/i.exec(api.name)?.[1] ?? '1';
    const isCurrent = api.isCurrent ?? !api.name.includes(';rev=');
    const info: ApiInfo = {
      id: api.name, name: nameOf(api), path: api.path, serviceUrl, protocols: api.protocols ?? defaultProtocols, revision, isCurrentRevision: isCurrent,
      ...(api.version ? { version: api.version.value } : {}),
    };
    const inProducts = products.filter((p) => p.apis.some((a) => a.toLowerCase() === api.name.toLowerCase()));
    const operations = api.operations.map((op): CompiledOperation => {
      const opDoc = load(op.policy, 'operation', `${op.id}/policies/policy`);
      return {
        config: op,
        method: op.method.toUpperCase(),
        matcher: parseUrlTemplate(op.urlTemplate, { file: op.id }),
        info: { id: op.name, name: nameOf(op), method: op.method.toUpperCase(), urlTemplate: op.urlTemplate },
        pipeline: composePolicies([global, apiDoc, opDoc]),
        productPipelines: new Map(inProducts.map((p) => [p.name.toLowerCase(), composePolicies([global, productDocs.get(p.name.toLowerCase()), apiDoc, opDoc])])),
      };
    }).sort((a, b) => a.matcher.rank - b.matcher.rank);
    return {
      config: api, path, serviceUrl, keyNames, info, operations,
      protocols: new Set((api.protocols ?? defaultProtocols).map((p) => p.toLowerCase())),
      subscriptionRequired: api.subscriptionRequired ?? true,
      apiPipeline: composePolicies([global, apiDoc]),
      revision, isCurrent,
    };
  }).sort((a, b) => b.path.length - a.path.length);
  const certificates = new Map<string, ClientCertificate>();
  for (const c of config.certificates ?? []) {
    let cert: ClientCertificate;
    try {
      cert = readCertificateEntity(Buffer.from(c.data, 'base64'), c.password);
    } catch (e) {
      throw new TwinError('ERR_APIM_CERTIFICATE', `Certificate '${c.id}': ${(e as Error).message}`, { location: { file: `${config.resourceId}/certificates/${c.id}` } });
    }
    certificates.set(c.id.toLowerCase(), cert);
    certificates.set(cert.thumbprint.toLowerCase(), cert);
  }
  for (const api of config.apis) {
    for (const schema of api.schemas ?? []) if (isXsdSchema(schema)) compileXsd(schema, `${api.id}/schemas/${schema.id}`, api.schemas);
  }
  for (const schema of config.schemas ?? []) if (isXsdSchema(schema)) compileXsd(schema, `${config.resourceId}/schemas/${schema.id}`);
  const trust = buildTrust(config.caCertificates ?? [], options.trustedRoots ?? [], config.resourceId);
  for (const w of warnings) options.logger.warn(w);
  const redact = secretRedactor(config.namedValues);
  return {
    ...(redact ? { redact } : {}),
    certificates,
    trust,
    kind: 'compiled-apim-service',
    name: config.name,
    warnings,
    config,
    apis,
    backends: new Map(config.backends.flatMap((b) => [[b.name.toLowerCase(), b.url], [b.id.toLowerCase(), b.url]] as Array<[string, string]>)),
    subscriptions: config.subscriptions ?? [],
    products,
    productData: new Map(products.map((p) => [p.name.toLowerCase(), productData(p, apis)])),
    userData: new Map((config.users ?? []).map((u) => [u.name.toLowerCase(), userData(u)])),
    loggers: new Set((config.loggers ?? []).map((l) => l.id.toLowerCase())),
    globalPipeline: composePolicies([global]),
    deployment: {
      region: config.location ?? 'West US', serviceName: config.name, serviceId: config.resourceId, gatewayId: 'managed',
      certificates: [...new Map([...certificates.values()].map((c) => [c.thumbprint, c])).values()]
        .map((c) => ({ thumbprint: c.thumbprint, pfx: c.pfx, ...(c.passphrase !== undefined ? { passphrase: c.passphrase } : {}) })),
    },
  };
}

/**
 * What compileService needs loaded first (it is synchronous): the XML schema engine, when an API of the service has an
 * XSD schema. Call before compileService.
 */
export async function prepareService(config: ServiceConfig): Promise<void> {
  await prepareXmlSchemas([...config.apis.flatMap((a) => a.schemas ?? []), ...(config.schemas ?? [])]);
}
