import type { Store } from '../state/index.js';
import type { ReadyInfo } from './ready-info.js';
import type { Reconciler } from './reconciler.js';
import type { ListenerPair } from './listener.js';
import { buildServiceConfig } from './service-config.js';
import { customHostsFor } from './custom-hosts.js';

export interface ReadyInputs {
  store: Store;
  reconciler: Reconciler;
  controlPlane: ListenerPair;
  identity: ListenerPair;
  identityHeader: string;
  proxy: string | undefined;
  caFile: string;
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  /** Whether the control plane requires a bearer token. */
  controlPlaneAuth: boolean;
  /** The CLI principal's credential file (when it does). */
  cliCredential?: string;
  /** The console's link secret (when the console needs one): the `console` URL carries it. */
  consoleKey?: string;
}

/** The ready file (ARCHITECTURE.md contract): a projection of the listeners and the store, built on request. */
export function projectReady(inputs: ReadyInputs): ReadyInfo {
  const { store, reconciler, identity } = inputs;
  const info: ReadyInfo = {
    controlPlane: inputs.controlPlane.httpsUrl,
    console: inputs.controlPlane.httpsUrl + '/' + (inputs.consoleKey ? `?console-key=${inputs.consoleKey}` : ''),
    tenantId: inputs.tenantId,
    subscriptionId: inputs.subscriptionId,
    resourceGroup: inputs.resourceGroup,
    caCertificate: inputs.caFile,
    controlPlaneAuth: inputs.controlPlaneAuth,
    ...(inputs.cliCredential ? { cliCredential: inputs.cliCredential } : {}),
    ...(inputs.proxy ? { proxy: inputs.proxy } : {}),
    identity: {
      authority: `${identity.httpsUrl}/${inputs.tenantId}`,
      tokenEndpoint: `${identity.httpsUrl}/${inputs.tenantId}/oauth2/v2.0/token`,
      identityEndpoint: `${identity.httpUrl}/msi/token`,
      identityHeader: inputs.identityHeader,
      imdsEndpoint: identity.httpUrl,
    },
    sites: {},
    apim: {},
  };
  const ownEndpoint = (principalId: string | undefined) => (principalId ? `${identity.httpUrl}/msi/${principalId}/token` : undefined);
  const custom = (kind: 'site' | 'apim', label: string) => {
    const names = customHostsFor(reconciler.customHosts, kind, label);
    return names.length > 0 ? { customHostNames: names } : {};
  };
  for (const [label, rt] of reconciler.sites) {
    const principalId = rt.principalId;
    info.sites[rt.name] = {
      url: rt.urls.httpsUrl,
      httpUrl: rt.urls.httpUrl,
      hostName: `${rt.name.toLowerCase()}.azurewebsites.net`,
      ...custom('site', label),
      ...(rt.authClientId ? { clientId: rt.authClientId } : {}),
      ...(principalId ? { principalId, identityEndpoint: ownEndpoint(principalId) } : {}),
    };
  }
  for (const svc of store.listResources({ type: 'Microsoft.ApiManagement/service' })) {
    const rt = reconciler.services.get(svc.name.toLowerCase());
    if (!rt) continue;
    info.apim[svc.name] = {
      gatewayUrl: rt.listeners.httpsUrl,
      httpGatewayUrl: rt.listeners.httpUrl,
      hostName: `${svc.name.toLowerCase()}.azure-api.net`,
      resourceId: svc.id,
      ...custom('apim', svc.name.toLowerCase()),
      principalId: svc.identity?.principalId,
      clientId: svc.identity?.clientId,
      identityEndpoint: ownEndpoint(svc.identity?.principalId),
      apis: buildServiceConfig(store, svc).apis.map((a) => ({
        name: a.name,
        path: a.path,
        operations: a.operations.map((o) => ({ name: o.name, method: o.method, urlTemplate: o.urlTemplate })),
      })),
    };
  }
  return info;
}
