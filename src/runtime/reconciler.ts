import type { IncomingMessage } from 'node:http';
import { describeError, randomIds, type Clock, type HttpClient, type HostTable, type IdGenerator, type LocalTarget, type Logger } from '../core/index.js';
import type { Store, ResourceRecord } from '../state/index.js';
import { compileService, createGateway, prepareService, type CompiledService, type GatewayCompatFlags, type GatewayDecision, type ServiceConfig } from '../gateway/index.js';
import { APIM_REQUEST_ID_HEADER } from './decision-log.js';
import type { EasyAuthCompatFlags } from '../easyauth/index.js';
import { startListenerPair, type ListenerPair, type RequestHandler } from './listener.js';
import { captureRequest, type RawRequest } from './request-capture.js';
import { customHostOf, customHostsFor, customHostsOf, type CustomHost } from './custom-hosts.js';
import type { CustomHostTls } from './custom-host-tls.js';
import type { SiteHost, SiteUrls } from './site-host.js';
import { siteViews, type SiteView } from './site-config.js';
import { buildServiceConfig } from './service-config.js';
import type { PortPlan } from './ports.js';

/** One site as the runtime plays it now. */
export interface SiteRuntime {
  urls: SiteUrls;
  name: string;
  /** The site's system-assigned identity, if it has one. */
  principalId: string | undefined;
  /** The site's system-assigned identity's client id, if it has one. */
  clientId: string | undefined;
  /** `properties.clientId` of its authsettingsV2 `identityProviders.azureActiveDirectory.registration` (the audience). */
  authClientId: string | undefined;
  /** In-process dispatchers of its listeners, when the site host runs on this thread (runtime/site-dispatch.ts). */
  dispatch: LocalTarget['dispatch'];
}

/** One APIM service as the runtime plays it now. */
export interface ServiceRuntime {
  listeners: ListenerPair;
  gateway: ReturnType<typeof createGateway>;
  name: string;
  resource: ResourceRecord;
}

export interface ReconcilerDeps {
  store: Store;
  siteHost: SiteHost;
  /** The twin's own client (Azure host names resolve to the listeners). */
  client: HttpClient;
  tls: { cert: string; key: string };
  /** Roots validate-client-certificate trusts besides a service's CA certificates (the twin's local CA, PEM). */
  trustedRoots?: readonly string[];
  /** Site name → URL of the user's own function host. */
  backends: Record<string, string>;
  /** Where sites without a `backends` entry forward (the built-in echo function). */
  defaultBackend: string;
  easyAuthFlags?: Partial<EasyAuthCompatFlags> | undefined;
  gatewayFlags?: Partial<GatewayCompatFlags> | undefined;
  /** A managed identity token source for the APIM service `serviceId`. */
  tokens: (serviceId: string) => Parameters<typeof createGateway>[0]['tokens'];
  loose: boolean | undefined;
  /** Where each site and APIM service listens (stable ports, or random). */
  ports: PortPlan;
  /** Receives each gateway request's decision record (for `trustline explain`). */
  onGatewayDecision?: (decision: GatewayDecision) => void;
  /** Issues the certificates of the services' custom domains (absent: the listeners' own certificate for every name). */
  customTls?: CustomHostTls;
  /** Receives each request that reached a gateway listener, by its request id, as it arrived (for the console's replay). */
  onGatewayRequest?: (requestId: string, request: RawRequest) => void;
  clock: Clock;
  logger: Logger;
}

/** What a reconcile pass could not serve: the resource and why (a deployment that caused it fails). */
export interface ReconcileFailure {
  resourceId?: string;
  error: unknown;
}

export interface Reconciler {
  /**
   * Bring listeners in step with the store; passes run one at a time, in call order. Resolves to what the pass
   * could not serve (empty when everything runs).
   */
  reconcile(): Promise<ReconcileFailure[]>;
  /** Sites by host label (`<label>.azurewebsites.net`). */
  readonly sites: ReadonlyMap<string, SiteRuntime>;
  /** APIM services by host label (`<label>.azure-api.net`). */
  readonly services: ReadonlyMap<string, ServiceRuntime>;
  /** Custom domains (lower case, `*.` wildcards as bound) → the site or service they reach (custom-hosts.ts). */
  readonly customHosts: ReadonlyMap<string, CustomHost>;
  /** Waits for the running pass, then closes the gateway listeners (the site host is closed by its owner). */
  close(): Promise<void>;
}

const siteLabel = (view: SiteView) => view.hostName.replace(/\.azurewebsites\.net$/, '');

function authClientIdOf(settings: unknown): string | undefined {
  const aad = (settings as { identityProviders?: { azureActiveDirectory?: { registration?: { clientId?: unknown } } } } | undefined)
    ?.identityProviders?.azureActiveDirectory;
  const id = aad?.registration?.clientId;
  return typeof id === 'string' && id ? id : undefined;
}

/**
 * The gateway's view of one `Microsoft.ApiManagement/service` of the store, compiled as the runtime serves it (policies
 * of every scope, fragments, named values): the one compile path of `trustline up` and `trustline lint`. Throws what
 * the gateway cannot serve.
 */
export async function compileServiceResource(
  store: Store,
  svc: ResourceRecord,
  o: { loose: boolean | undefined; logger: Logger; gatewayFlags?: Partial<GatewayCompatFlags> | undefined; trustedRoots?: readonly string[] | undefined },
): Promise<{ config: ServiceConfig; compiled: CompiledService }> {
  const config = buildServiceConfig(store, svc);
  await prepareService(config);
  const compiled = compileService(config, { loose: o.loose, logger: o.logger, ...(o.gatewayFlags ? { flags: o.gatewayFlags } : {}), ...(o.trustedRoots ? { trustedRoots: o.trustedRoots } : {}) });
  return { config, compiled };
}

/** Keeps one listener set per site and per APIM service in step with the store. */
export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const { store, siteHost, logger } = deps;
  const sites = new Map<string, SiteRuntime>();
  const services = new Map<string, ServiceRuntime>();
  const customHosts = new Map<string, CustomHost>();
  let queue: Promise<void> = Promise.resolve();

  const backendsByLowerName = new Map(Object.entries(deps.backends).map(([n, url]) => [n.toLowerCase(), url]));
  async function reconcileSites(): Promise<void> {
    const views = siteViews(store).sort((a, b) => a.name.localeCompare(b.name));
    // The custom domains first: each site's listeners (and each gateway's) get certificates for theirs.
    customHosts.clear();
    for (const [h, t] of customHostsOf(store, views, siteLabel)) customHosts.set(h, t);
    const wanted = new Set(views.map(siteLabel));
    for (const label of [...sites.keys()]) {
      if (!wanted.has(label)) {
        sites.delete(label);
        await siteHost.remove(label);
      }
    }
    for (const view of views) {
      const label = siteLabel(view);
      // Site names are case-blind in Azure: `--backend MyFunc=…` is the site myfunc.
      const backend = deps.backends[view.name] ?? backendsByLowerName.get(view.name.toLowerCase()) ?? deps.defaultBackend;
      const ports = deps.ports.site(view.name);
      const own = customHostsFor(customHosts, 'site', label);
      const urls = await siteHost.upsert({ label, name: view.name, authSettings: view.authSettings, appSettings: view.appSettings, functions: view.functions, hostKeys: view.hostKeys, ...(view.stopped ? { stopped: true } : {}), backend, ports, ...(deps.easyAuthFlags ? { flags: deps.easyAuthFlags } : {}), ...(own.length > 0 ? { customHosts: own } : {}) });
      sites.set(label, {
        name: view.name,
        urls,
        principalId: view.resource.identity?.principalId,
        clientId: view.resource.identity?.clientId,
        authClientId: authClientIdOf(view.authSettings),
        dispatch: siteHost.dispatchFor?.(label),
      });
    }
  }

  async function reconcileServices(failures: ReconcileFailure[]): Promise<void> {
    const apims = store.listResources({ type: 'Microsoft.ApiManagement/service' }).sort((a, b) => a.name.localeCompare(b.name));
    const wanted = new Set(apims.map((s) => s.name.toLowerCase()));
    for (const [label, rt] of services) {
      if (!wanted.has(label)) {
        services.delete(label);
        await rt.listeners.close();
      }
    }
    for (const svc of apims) {
      const label = svc.name.toLowerCase();
      let rt = services.get(label);
      if (!rt) {
        const capture = deps.onGatewayRequest ? gatewayCapture(deps.onGatewayRequest) : undefined;
        const gateway = createGateway({ httpClient: deps.client, tokens: deps.tokens(svc.id), clock: deps.clock, logger: logger.child(`apim ${svc.name}`), ...(deps.gatewayFlags ? { flags: deps.gatewayFlags } : {}),
          ...(deps.onGatewayDecision ? { onDecision: deps.onGatewayDecision } : {}),
          ...(capture ? { ids: capture.ids } : {}),
          requestIdHeader: APIM_REQUEST_ID_HEADER,
        });
        const ports = deps.ports.service(svc.name);
        const listeners = await startListenerPair(capture ? capture.listen(gateway.handler) : gateway.handler, {
          tls: deps.tls, logger, name: `apim ${svc.name}`, httpsPort: ports.https, httpPort: ports.http,
          ...(deps.customTls ? { sni: deps.customTls.sniCallback(() => customHostsFor(customHosts, 'apim', label)) } : {}),
        });
        rt = { name: svc.name, gateway, listeners, resource: svc };
        services.set(label, rt);
      }
      rt.resource = svc;
      try {
        const { config, compiled } = await compileServiceResource(store, svc, deps);
        rt.gateway.setService(compiled);
        rt.listeners.requestClientCertificates(config.negotiateClientCertificate === true);
      } catch (e) {
        logger.error(`apim ${svc.name}: policies rejected: ${describeError(e)}`);
        rt.gateway.setService(undefined);
        failures.push({ resourceId: svc.id, error: e });
      }
    }
  }

  return {
    sites,
    services,
    customHosts,
    reconcile() {
      const pass = queue
        .then(async () => {
          const failures: ReconcileFailure[] = [];
          await reconcileSites();
          await reconcileServices(failures);
          return failures;
        })
        .catch((e): ReconcileFailure[] => {
          logger.error(`reconcile failed: ${describeError(e)}`);
          return [{ error: e }];
        });
      queue = pass.then(() => undefined);
      return pass;
    },
    async close() {
      await queue;
      await Promise.all([...services.values()].map((s) => s.listeners.close()));
      services.clear();
      sites.clear();
    },
  };
}

/**
 * Keeps each request that reaches a gateway listener under the gateway's request id (the id of its decision record).
 * The gateway names a request with `ids.uuid()` as the first thing its handler does, synchronously: the listener's
 * handler notes the request it is about to hand over, and the id generator pairs the next id with it.
 */
function gatewayCapture(onRequest: (requestId: string, request: RawRequest) => void): { ids: IdGenerator; listen: (handler: RequestHandler) => RequestHandler } {
  let arriving: IncomingMessage | undefined;
  const ids: IdGenerator = {
    ...randomIds,
    uuid() {
      const id = randomIds.uuid();
      const req = arriving;
      if (req !== undefined) {
        arriving = undefined;
        onRequest(id, captureRequest(req));
      }
      return id;
    },
  };
  const listen = (handler: RequestHandler): RequestHandler => (req, res) => {
    arriving = req;
    try {
      handler(req, res);
    } finally {
      arriving = undefined;
    }
  };
  return { ids, listen };
}

/**
 * Routes `<label>.azurewebsites.net` and `<label>.azure-api.net` to the reconciled listeners, and each custom domain
 * (a site's host name binding, an APIM `Proxy` host name) to the listeners of what it is bound to: the twin's proxy,
 * its own client (an APIM backend named by a custom domain) and the composer reach them as Azure's front ends do.
 */
export function mapAzureHosts(hosts: HostTable, reconciler: Reconciler): void {
  const site = (label: string): LocalTarget | undefined => {
    const s = reconciler.sites.get(label);
    return s ? { http: s.urls.httpUrl, https: s.urls.httpsUrl, ...(s.dispatch ? { dispatch: s.dispatch } : {}) } : undefined;
  };
  const service = (label: string): LocalTarget | undefined => {
    const s = reconciler.services.get(label);
    return s ? { http: s.listeners.httpUrl, https: s.listeners.httpsUrl } : undefined;
  };
  hosts.addSuffix('.azurewebsites.net', site);
  hosts.addSuffix('.azure-api.net', service);
  // Any other name: a custom domain, or nothing the twin plays.
  hosts.addSuffix('', (host) => {
    const t = customHostOf(reconciler.customHosts, host);
    return t === undefined ? undefined : t.kind === 'site' ? site(t.label) : service(t.label);
  });
}
