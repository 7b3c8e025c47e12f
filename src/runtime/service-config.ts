import type { Store, ResourceRecord } from '../state/index.js';
import type { ServiceConfig, PolicyDocument } from '../gateway/index.js';
import { lastSegment, parentId, sameId } from './resource-ids.js';

function policyOf(res: ResourceRecord | undefined): PolicyDocument | undefined {
  if (!res) return undefined;
  const p = res.properties as { format?: string; value?: string };
  if (typeof p.value !== 'string') return undefined;
  return { format: p.format, value: p.value, source: res.id };
}

/** Builds the gateway's view of one `Microsoft.ApiManagement/service` from the store. */
export function buildServiceConfig(store: Store, service: ResourceRecord): ServiceConfig {
  const children = store.listResources({ idPrefix: service.id + '/' });
  const ofType = (t: string) => children.filter((r) => r.type.toLowerCase() === t.toLowerCase());
  const apiPolicies = ofType('Microsoft.ApiManagement/service/apis/policies');
  const opPolicies = ofType('Microsoft.ApiManagement/service/apis/operations/policies');
  const operations = ofType('Microsoft.ApiManagement/service/apis/operations');
  const apis = ofType('Microsoft.ApiManagement/service/apis').map((api) => {
    const p = api.properties as { path?: string; serviceUrl?: string; protocols?: string[]; subscriptionRequired?: boolean };
    return {
      id: api.id,
      name: lastSegment(api.id),
      path: p.path ?? '',
      serviceUrl: p.serviceUrl,
      protocols: p.protocols,
      subscriptionRequired: p.subscriptionRequired,
      policy: policyOf(apiPolicies.find((x) => sameId(parentId(x.id), api.id))),
      operations: operations
        .filter((op) => sameId(parentId(op.id), api.id))
        .map((op) => {
          const o = op.properties as { method?: string; urlTemplate?: string };
          return {
            id: op.id,
            name: lastSegment(op.id),
            method: o.method ?? 'GET',
            urlTemplate: o.urlTemplate ?? '/',
            policy: policyOf(opPolicies.find((x) => sameId(parentId(x.id), op.id))),
          };
        }),
    };
  });
  const global = ofType('Microsoft.ApiManagement/service/policies')[0];
  const backends = ofType('Microsoft.ApiManagement/service/backends').map((b) => ({
    id: lastSegment(b.id),
    name: lastSegment(b.id),
    url: String((b.properties as { url?: unknown }).url ?? ''),
  }));
  const namedValues = ofType('Microsoft.ApiManagement/service/namedValues').map((nv) => {
    const p = nv.properties as { displayName?: string; value?: unknown };
    return { name: p.displayName ?? lastSegment(nv.id), value: String(p.value ?? '') };
  });
  const subscriptions = ofType('Microsoft.ApiManagement/service/subscriptions').map((s) => {
    const p = s.properties as { scope?: string; primaryKey?: string; secondaryKey?: string; state?: string };
    return { name: lastSegment(s.id), scope: p.scope ?? '/apis', primaryKey: p.primaryKey ?? '', secondaryKey: p.secondaryKey ?? '', state: p.state ?? 'active' };
  });
  return {
    name: service.name,
    hostName: `${service.name}.azure-api.net`.toLowerCase(),
    resourceId: service.id,
    globalPolicy: policyOf(global),
    apis,
    backends,
    namedValues,
    subscriptions,
  };
}
