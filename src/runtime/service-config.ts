import type { Store, ResourceRecord } from '../state/index.js';
import { operationExamples, type ServiceConfig, type PolicyDocument, type OperationConfig, type ApiConfig, type ApiSchema, type OperationContract, type ParameterContract, type RepresentationContract } from '../gateway/index.js';
import { lastSegment, parentId, sameId } from './resource-ids.js';

const NS = 'Microsoft.ApiManagement/service';

function policyOf(res: ResourceRecord | undefined): PolicyDocument | undefined {
  if (!res) return undefined;
  const p = res.properties as { format?: string; value?: string };
  if (typeof p.value !== 'string') return undefined;
  // A linked document was read and validated when it was deployed (the ARM provider keeps it).
  if (typeof p.format === 'string' && p.format.toLowerCase().endsWith('-link')) {
    const content = res.listResults?.content;
    return typeof content === 'string' ? { format: p.format.slice(0, -5), value: content, source: p.value } : undefined;
  }
  return { format: p.format, value: p.value, source: res.id };
}

/** Response examples of an operation (`responses[].representations[].examples|sample`), for mock-response. */
function examplesOf(op: ResourceRecord): OperationConfig['examples'] {
  return operationExamples((op.properties as { responses?: unknown }).responses);
}

const PARAM_KEYS = ['name', 'type', 'required', 'values', 'defaultValue', 'schemaId', 'typeName'] as const;

/** ARM `ParameterContract`s as the gateway reads them (unknown fields dropped). */
function params(list: unknown): ParameterContract[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.filter((p): p is Record<string, unknown> => !!p && typeof p === 'object' && typeof (p as { name?: unknown }).name === 'string')
    .map((p) => Object.fromEntries(PARAM_KEYS.filter((k) => p[k] !== undefined && p[k] !== null).map((k) => [k, p[k]])) as unknown as ParameterContract);
}

function representations(list: unknown): RepresentationContract[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.filter((r): r is Record<string, unknown> => !!r && typeof r === 'object' && typeof (r as { contentType?: unknown }).contentType === 'string')
    .map((r) => ({ contentType: r.contentType as string, ...(typeof r.schemaId === 'string' ? { schemaId: r.schemaId } : {}), ...(typeof r.typeName === 'string' ? { typeName: r.typeName } : {}) }));
}

/** The operation's contract (`templateParameters`, `request`, `responses`) for the validation policies. */
function contractOf(op: ResourceRecord): OperationContract | undefined {
  const p = op.properties as { templateParameters?: unknown; request?: { queryParameters?: unknown; headers?: unknown; representations?: unknown }; responses?: unknown };
  const out: OperationContract = {};
  const tp = params(p.templateParameters);
  if (tp) out.templateParameters = tp;
  if (p.request && typeof p.request === 'object') {
    const q = params(p.request.queryParameters);
    const h = params(p.request.headers);
    const r = representations(p.request.representations);
    out.request = { ...(q ? { queryParameters: q } : {}), ...(h ? { headers: h } : {}), ...(r ? { representations: r } : {}) };
  }
  if (Array.isArray(p.responses)) {
    out.responses = (p.responses as Array<Record<string, unknown>>).filter((r) => r && typeof r.statusCode === 'number').map((r) => {
      const h = params(r.headers);
      const rep = representations(r.representations);
      return { statusCode: r.statusCode as number, ...(h ? { headers: h } : {}), ...(rep ? { representations: rep } : {}) };
    });
  }
  return Object.keys(out).length ? out : undefined;
}

/** `apis/schemas` of an API: the definitions document (`properties.document`, or its JSON `value`). */
function schemasOf(records: ResourceRecord[]): ApiSchema[] {
  return records.flatMap((r): ApiSchema[] => {
    const p = r.properties as { contentType?: string; document?: { value?: unknown } & Record<string, unknown> };
    let doc: unknown = p.document;
    const value = doc && typeof doc === 'object' ? (doc as { value?: unknown }).value : undefined;
    // An XML schema (XSD, `application/vnd.ms-azure-apim.xsd+xml`): its text, compiled by the gateway.
    if (typeof value === 'string' && (p.contentType?.toLowerCase().includes('xsd') || value.trimStart().startsWith('<'))) {
      return [{ id: lastSegment(r.id), ...(p.contentType ? { contentType: p.contentType } : {}), document: value }];
    }
    if (doc && typeof doc === 'object' && typeof value === 'string' && !('components' in doc) && !('definitions' in doc)) {
      try { doc = JSON.parse((doc as { value: string }).value); } catch { return []; }
    }
    return doc && typeof doc === 'object' ? [{ id: lastSegment(r.id), ...(p.contentType ? { contentType: p.contentType } : {}), document: doc }] : [];
  });
}

/**
 * The service's own schemas (`schemas`, what validate-content `schema-id` names): `schemaType` `xml` with the XSD in
 * `value`, or `json` with the JSON schema in `document` (or as JSON text in `value`).
 */
function globalSchemasOf(records: ResourceRecord[]): ApiSchema[] {
  return records.flatMap((r): ApiSchema[] => {
    const p = r.properties as { schemaType?: string; value?: unknown; document?: unknown };
    const id = lastSegment(r.id);
    if (String(p.schemaType ?? '').toLowerCase() === 'xml') {
      return typeof p.value === 'string' ? [{ id, contentType: 'application/vnd.ms-azure-apim.xsd+xml', document: p.value }] : [];
    }
    let doc = p.document;
    if ((doc === undefined || doc === null) && typeof p.value === 'string') {
      try { doc = JSON.parse(p.value); } catch { return []; }
    }
    return doc && typeof doc === 'object' ? [{ id, contentType: 'application/schema+json', document: doc }] : [];
  });
}

/**
 * Client certificate settings of the service resource: whether the gateway negotiates a client certificate (a
 * `Proxy` entry of `hostnameConfigurations` with `negotiateClientCertificate`, or `enableClientCertificate`; the
 * twin serves every host name of a service on one listener, so any such entry asks) and its CA certificates.
 */
function clientCertificateSettings(props: Record<string, unknown>): Pick<ServiceConfig, 'negotiateClientCertificate' | 'caCertificates'> {
  const hosts = Array.isArray(props.hostnameConfigurations) ? props.hostnameConfigurations as Array<Record<string, unknown>> : [];
  const negotiate = props.enableClientCertificate === true
    || hosts.some((h) => String(h?.type ?? '').toLowerCase() === 'proxy' && h?.negotiateClientCertificate === true);
  const cas = (Array.isArray(props.certificates) ? props.certificates as Array<Record<string, unknown>> : [])
    .filter((c) => typeof c?.encodedCertificate === 'string')
    .map((c) => ({ data: c.encodedCertificate as string, storeName: typeof c.storeName === 'string' ? c.storeName : 'Root' }));
  return { ...(negotiate ? { negotiateClientCertificate: true } : {}), ...(cas.length ? { caCertificates: cas } : {}) };
}

/** Builds the gateway's view of one `Microsoft.ApiManagement/service` from the store. */
export function buildServiceConfig(store: Store, service: ResourceRecord): ServiceConfig {
  const children = store.listResources({ idPrefix: service.id + '/' });
  const ofType = (t: string) => children.filter((r) => r.type.toLowerCase() === `${NS}/${t}`.toLowerCase());
  const apiPolicies = ofType('apis/policies');
  const opPolicies = ofType('apis/operations/policies');
  const operations = ofType('apis/operations');
  const versionSets = ofType('apiVersionSets');
  const apiSchemas = ofType('apis/schemas');
  const apis = ofType('apis').map((api): ApiConfig => {
    const p = api.properties as {
      path?: string; type?: string; serviceUrl?: string; protocols?: string[]; subscriptionRequired?: boolean;
      subscriptionKeyParameterNames?: { header?: string; query?: string }; apiVersion?: string; apiVersionSetId?: string;
      apiRevision?: string; isCurrent?: boolean; displayName?: string;
    };
    const set = p.apiVersionSetId ? versionSets.find((v) => sameId(lastSegment(v.id), lastSegment(p.apiVersionSetId!))) : undefined;
    const sp = set?.properties as { versioningScheme?: string; versionHeaderName?: string; versionQueryName?: string } | undefined;
    const scheme = sp?.versioningScheme ? (sp.versioningScheme[0]!.toUpperCase() + sp.versioningScheme.slice(1).toLowerCase()) as 'Segment' | 'Header' | 'Query' : undefined;
    return {
      id: api.id,
      name: lastSegment(api.id),
      // context.Api.Name (compat flag apiOperationName, docs/differences.md)
      ...(typeof p.displayName === 'string' ? { displayName: p.displayName } : {}),
      path: p.path ?? '',
      ...(p.type ? { type: p.type } : {}),
      serviceUrl: p.serviceUrl,
      protocols: p.protocols,
      subscriptionRequired: p.subscriptionRequired,
      ...(p.subscriptionKeyParameterNames ? { subscriptionKeyParameterNames: p.subscriptionKeyParameterNames } : {}),
      ...(scheme ? { version: { value: p.apiVersion ?? '', scheme, ...(scheme === 'Header' ? { name: sp!.versionHeaderName } : scheme === 'Query' ? { name: sp!.versionQueryName } : {}), isDefault: !p.apiVersion } } : {}),
      ...(p.apiRevision ? { revision: p.apiRevision } : {}),
      ...(p.isCurrent !== undefined ? { isCurrent: p.isCurrent } : {}),
      policy: policyOf(apiPolicies.find((x) => sameId(parentId(x.id), api.id))),
      ...((): { schemas?: ApiSchema[] } => { const sc = schemasOf(apiSchemas.filter((x) => sameId(parentId(x.id), api.id))); return sc.length ? { schemas: sc } : {}; })(),
      operations: operations
        .filter((op) => sameId(parentId(op.id), api.id))
        .map((op) => {
          const o = op.properties as { method?: string; urlTemplate?: string; displayName?: string };
          const examples = examplesOf(op);
          const contract = contractOf(op);
          return {
            id: op.id,
            name: lastSegment(op.id),
            ...(typeof o.displayName === 'string' ? { displayName: o.displayName } : {}),
            method: o.method ?? 'GET',
            urlTemplate: o.urlTemplate ?? '/',
            policy: policyOf(opPolicies.find((x) => sameId(parentId(x.id), op.id))),
            ...(examples ? { examples } : {}),
            ...(contract ? { contract } : {}),
          };
        }),
    };
  });
  markCurrentRevisions(apis, ofType('apis/releases'));
  const certificates = ofType('certificates').flatMap((c) => {
    const pfx = c.listResults?.['/pfx'] as { data?: string; password?: string } | undefined;
    return pfx?.data ? [{ id: lastSegment(c.id), data: pfx.data, ...(pfx.password !== undefined ? { password: pfx.password } : {}) }] : [];
  });
  const global = ofType('policies')[0];
  const backends = ofType('backends').map((b) => ({
    id: lastSegment(b.id),
    name: lastSegment(b.id),
    url: String((b.properties as { url?: unknown }).url ?? ''),
  }));
  const namedValues = ofType('namedValues').map((nv) => {
    const p = nv.properties as { displayName?: string; value?: unknown; secret?: unknown; keyVault?: unknown };
    const listed = (nv.listResults?.listvalue as { value?: unknown } | undefined)?.value;
    const secret = p.secret === true || (p.keyVault !== undefined && p.keyVault !== null);
    return { name: p.displayName ?? lastSegment(nv.id), value: String(listed ?? p.value ?? ''), ...(secret ? { secret: true } : {}) };
  });
  const subscriptions = ofType('subscriptions').map((s) => {
    const p = s.properties as { scope?: string; primaryKey?: string; secondaryKey?: string; state?: string; displayName?: string; ownerId?: string; allowTracing?: boolean; createdDate?: string; startDate?: string; endDate?: string; expirationDate?: string };
    const keys = s.listResults?.listsecrets as { primaryKey?: string; secondaryKey?: string } | undefined;
    return {
      name: lastSegment(s.id), scope: p.scope ?? '/apis', primaryKey: keys?.primaryKey ?? p.primaryKey ?? '', secondaryKey: keys?.secondaryKey ?? p.secondaryKey ?? '',
      state: p.state ?? 'active',
      ...(p.displayName ? { displayName: p.displayName } : {}), ...(p.ownerId ? { ownerId: p.ownerId } : {}),
      ...(p.allowTracing !== undefined ? { allowTracing: p.allowTracing } : {}), ...(p.createdDate ? { createdDate: p.createdDate } : {}),
      ...(p.startDate ? { startDate: p.startDate } : {}), ...((p.endDate ?? p.expirationDate) ? { endDate: (p.endDate ?? p.expirationDate)! } : {}),
    };
  });
  const productApis = ofType('products/apis');
  const productGroups = ofType('products/groups');
  const productPolicies = ofType('products/policies');
  const products = ofType('products').map((pr) => {
    const p = pr.properties as { displayName?: string; state?: string; subscriptionRequired?: boolean; approvalRequired?: boolean; subscriptionsLimit?: number };
    return {
      name: lastSegment(pr.id),
      ...(p.displayName ? { displayName: p.displayName } : {}),
      ...(p.state ? { state: p.state } : {}),
      ...(p.subscriptionRequired !== undefined ? { subscriptionRequired: p.subscriptionRequired } : {}),
      ...(p.approvalRequired !== undefined ? { approvalRequired: p.approvalRequired } : {}),
      ...(typeof p.subscriptionsLimit === 'number' ? { subscriptionsLimit: p.subscriptionsLimit } : {}),
      apis: productApis.filter((a) => sameId(parentId(a.id), pr.id)).map((a) => lastSegment(a.id)),
      groups: productGroups.filter((g) => sameId(parentId(g.id), pr.id)).map((g) => lastSegment(g.id)),
      policy: policyOf(productPolicies.find((x) => sameId(parentId(x.id), pr.id))),
    };
  });
  const users = ofType('users').map((u) => {
    const p = u.properties as { email?: string; firstName?: string; lastName?: string; note?: string; registrationDate?: string };
    return { name: lastSegment(u.id), ...p };
  });
  const fragments = ofType('policyFragments').map((f) => ({ id: lastSegment(f.id), value: String((f.properties as { value?: unknown }).value ?? '') }));
  const loggers = ofType('loggers').map((l) => ({ id: lastSegment(l.id), type: String((l.properties as { loggerType?: unknown }).loggerType ?? '') }));
  const serviceSchemas = globalSchemasOf(ofType('schemas'));
  const identity = service.identity;
  const tlsSettings = clientCertificateSettings(service.properties);
  return {
    name: service.name,
    hostName: `${service.name}.azure-api.net`.toLowerCase(),
    resourceId: service.id,
    ...(typeof service.location === 'string' && service.location ? { location: service.location } : {}),
    globalPolicy: policyOf(global),
    apis,
    backends,
    namedValues,
    subscriptions,
    products,
    users,
    fragments,
    loggers,
    ...(certificates.length ? { certificates } : {}),
    ...tlsSettings,
    ...(serviceSchemas.length ? { schemas: serviceSchemas } : {}),
    identity: {
      systemAssigned: Boolean(identity?.principalId),
      ...(typeof identity?.principalId === 'string' ? { systemPrincipalId: identity.principalId } : {}),
      userAssignedClientIds: Object.values(identity?.userAssignedIdentities ?? {}).map((u) => (u as { clientId?: string }).clientId).filter((c): c is string => typeof c === 'string'),
    },
  };
}

/**
 * Revisions (docs/behaviour/apim.md §1.4): the revisions of one API (`name`, `name;rev=N`) are served without
 * `;rev=` by the current one: the revision an `apis/releases` names last, else the one stored with `isCurrent: true`,
 * else the API itself. A revision deployed without operations (or policy) has its API's, as APIM copies them.
 */
function markCurrentRevisions(apis: ApiConfig[], releases: ResourceRecord[]): void {
  const baseOf = (name: string) => name.replace(/;rev=.*$/i, '').toLowerCase();
  const groups = new Map<string, ApiConfig[]>();
  for (const a of apis) {
    const g = groups.get(baseOf(a.name)) ?? [];
    g.push(a);
    groups.set(baseOf(a.name), g);
  }
  const released = new Map<string, string>();
  for (const r of releases) {
    const target = String((r.properties as { apiId?: string }).apiId ?? '').split('/').pop() ?? '';
    if (target) released.set(baseOf(target), target.toLowerCase());
  }
  for (const [base, group] of groups) {
    if (group.length === 1 && !group[0]!.name.includes(';')) continue;
    const root = group.find((a) => a.name.toLowerCase() === base);
    const current = group.find((a) => a.name.toLowerCase() === released.get(base)) ?? group.find((a) => a.isCurrent === true) ?? root ?? group[0]!;
    for (const a of group) {
      a.isCurrent = a === current;
      a.revision ??= '1';
      if (a !== root && root) {
        if (a.operations.length === 0) a.operations = root.operations.map((o) => ({ ...o, id: o.id.replace(/\/apis\/[^/]+\//i, `/apis/${a.name}/`) }));
        a.policy ??= root.policy;
      }
    }
  }
}