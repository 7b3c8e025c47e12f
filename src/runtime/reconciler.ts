import { describeError, type Clock, type HttpClient, type HostTable, type LocalTarget, type Logger } from '../core/index.js';
import type { Store, ResourceRecord } from '../state/index.js';
import { compileService, createGateway, prepareService, type CompiledService, type GatewayCompatFlags, type GatewayDecision, type ServiceConfig } from '../gateway/index.js';
import { APIM_REQUEST_ID_HEADER } from './decision-log.js';
import type { EasyAuthCompatFlags } from '../easyauth/index.js';
import { startListenerPair, type ListenerPair } from './listener.js';
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
  let queue: Promise<void> = Promise.resolve();

  const backendsByLowerName = new Map(Object.entries(deps.backends).map(([n, url]) => [n.toLowerCase(), url]));
  async function reconcileSites(): Promise<void> {
    const views = siteViews(store).sort((a, b) => a.name.localeCompare(b.name));
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
      const urls = await siteHost.upsert({ label, name: view.name, authSettings: view.authSettings, appSettings: view.appSettings, functions: view.functions, hostKeys: view.hostKeys, ...(view.stopped ? { stopped: true } : {}), backend, ports, ...(deps.easyAuthFlags ? { flags: deps.easyAuthFlags } : {}) });
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
        const gateway = createGateway({ httpClient: deps.client, tokens: deps.tokens(svc.id), clock: deps.clock, logger: logger.child(`apim ${svc.name}`), ...(deps.gatewayFlags ? { flags: deps.gatewayFlags } : {}),
          ...(deps.onGatewayDecision ? { onDecision: deps.onGatewayDecision } : {}),
          requestIdHeader: APIM_REQUEST_ID_HEADER,
        });
        const ports = deps.ports.service(svc.name);
        const listeners = await startListenerPair(gateway.handler, { tls: deps.tls, logger, name: `apim ${svc.name}`, httpsPort: ports.https, httpPort: ports.http });
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

/** Routes `<label>.azurewebsites.net` and `<label>.azure-api.net` to the reconciled listeners. */
export function mapAzureHosts(hosts: HostTable, reconciler: Reconciler): void {
  hosts.addSuffix('.azurewebsites.net', (label) => {
    const s = reconciler.sites.get(label);
    return s ? { http: s.urls.httpUrl, https: s.urls.httpsUrl, ...(s.dispatch ? { dispatch: s.dispatch } : {}) } : undefined;
  });
  hosts.addSuffix('.azure-api.net', (label) => {
    const s = reconciler.services.get(label);
    return s ? { http: s.listeners.httpUrl, https: s.listeners.httpsUrl } : undefined;
  });
}
