import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  HostTable,
  createHttpClient,
  describeError,
  type Clock,
  type IdGenerator,
  type Logger,
  type HttpClient,
  type LogLevel,
} from '../core/index.js';
import { openStore, type Store } from '../state/index.js';
import { deploy as armDeploy, type DeployInput, type DeployResult, type DeploymentScope } from '../arm/index.js';
import { createIdentityService, type IdentityService } from '../identity/index.js';
import { compileService, createGateway } from '../gateway/index.js';
import { startListenerPair, type ListenerPair } from './listener.js';
import { createInProcessSiteHost, type SiteHost, type SiteUrls } from './site-host.js';
import { createWorkerSiteHost } from './worker-site-host.js';
import { IDENTITY_HOSTS } from './hosts.js';
import { echoFunction } from './echo-function.js';
import { loadOrCreateLocalTls, type LocalTls } from './local-ca.js';
import { siteViews, type SiteView } from './site-config.js';
import { buildServiceConfig } from './service-config.js';
import { createControlPlane } from './control-plane.js';
import type { ReadyInfo } from './ready-info.js';

export interface TwinOptions {
  /** State folder (SQLite database, local CA). Created when missing. */
  stateDir?: string;
  /** Keep resources in memory (the CA still goes to `stateDir`, or a fresh temp folder). */
  inMemory?: boolean;
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  /** Site name → URL of the user's own function host; other sites use the built-in echo function. */
  backends?: Record<string, string>;
  /** Control-plane https port (0 = random). */
  port?: number;
  loose?: boolean;
  /**
   * Where the site listeners run: `worker` (a worker thread, so the Easy Auth hop and the gateway hop
   * use different cores; needs the compiled dist/ files and uses the system clock) or `main` (default).
   */
  siteThread?: 'main' | 'worker';
  /** Log level for the site worker. */
  logLevel?: LogLevel;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
}

interface SiteRuntime {
  urls: SiteUrls;
  name: string;
  /** The site's system-assigned identity, if it has one. */
  principalId: string | undefined;
}

const siteLabel = (view: SiteView) => view.hostName.replace(/\.azurewebsites\.net$/, '');
interface ServiceRuntime {
  listeners: ListenerPair;
  gateway: ReturnType<typeof createGateway>;
  name: string;
}

export interface Twin {
  readonly store: Store;
  readonly identity: IdentityService;
  deploy(input: DeployInput): Promise<DeployResult>;
  ready(): ReadyInfo;
  close(): Promise<void>;
}

/**
 * Starts the whole twin: identity (Entra + managed identity endpoints), the control plane,
 * and one listener pair per site and per APIM service found in the store, kept in step with
 * the store after every deployment.
 */
export async function startTwin(options: TwinOptions): Promise<Twin> {
  const { logger, clock, ids } = options;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'trustline-'));
  const store = options.inMemory ? openStore({ inMemory: true }) : openStore({ dir: stateDir });
  const tls: LocalTls = await loadOrCreateLocalTls(stateDir, logger);
  const hosts = new HostTable();
  const client: HttpClient = createHttpClient({ resolver: hosts, ca: tls.ca.cert });
  const scope: DeploymentScope = {
    subscriptionId: options.subscriptionId,
    resourceGroup: options.resourceGroup,
    location: options.location,
    tenantId: options.tenantId,
  };

  // Identity: the signing key is kept in the store so tokens stay valid across restarts.
  const savedKey = store.getMeta('identity.signingKey');
  const identityHeader = randomBytes(24).toString('base64url');
  const identity = await createIdentityService({
    store,
    clock,
    ids,
    logger: logger.child('identity'),
    tenantId: options.tenantId,
    identityHeader,
    signingKey: savedKey ? (JSON.parse(savedKey) as { cert: string; key: string }) : undefined,
  });
  if (!savedKey) store.setMeta('identity.signingKey', JSON.stringify(identity.signingKey));
  const identityListeners = await startListenerPair(identity.handler, { tls: tls.server, logger, name: 'identity' });
  for (const h of IDENTITY_HOSTS) {
    hosts.set(h, { http: identityListeners.httpUrl, https: identityListeners.httpsUrl });
  }

  // The built-in function backend (plain http, like a local `func start`).
  const echo = await startListenerPair(echoFunction, { tls: tls.server, logger, name: 'echo' });

  // Site listeners (Easy Auth → function backend): on a worker thread, or on this one (tests with an injected clock).
  const siteHost: SiteHost =
    options.siteThread === 'worker'
      ? createWorkerSiteHost({
          tls: tls.server,
          ca: tls.ca.cert,
          identity: { http: identityListeners.httpUrl, https: identityListeners.httpsUrl },
          logLevel: options.logLevel ?? 'info',
        })
      : createInProcessSiteHost({ tls: tls.server, client, clock, logger });
  const sites = new Map<string, SiteRuntime>();
  const services = new Map<string, ServiceRuntime>();
  hosts.addSuffix('.azurewebsites.net', (label) => {
    const s = sites.get(label);
    return s ? { http: s.urls.httpUrl, https: s.urls.httpsUrl } : undefined;
  });
  hosts.addSuffix('.azure-api.net', (label) => {
    const s = services.get(label);
    return s ? { http: s.listeners.httpUrl, https: s.listeners.httpsUrl } : undefined;
  });

  const tokens = (serviceId: string) => ({
    async getToken(req: { resource: string; clientId?: string }) {
      const t = await identity.issueManagedIdentityToken({ resource: req.resource, clientId: req.clientId, ownerResourceId: req.clientId ? undefined : serviceId });
      return { accessToken: t.access_token, expiresOnSeconds: Number(t.expires_on) };
    },
  });

  // Reconcile listeners with the store, one pass at a time.
  let queue: Promise<void> = Promise.resolve();
  const reconcile = () => {
    queue = queue.then(doReconcile).catch((e) => logger.error(`reconcile failed: ${describeError(e)}`));
    return queue;
  };
  async function doReconcile(): Promise<void> {
    const views = siteViews(store);
    const wanted = new Set(views.map((v) => siteLabel(v)));
    for (const label of [...sites.keys()]) {
      if (!wanted.has(label)) {
        sites.delete(label);
        await siteHost.remove(label);
      }
    }
    for (const view of views) {
      const label = siteLabel(view);
      const backend = options.backends?.[view.name] ?? echo.httpUrl;
      const urls = await siteHost.upsert({ label, name: view.name, authSettings: view.authSettings, appSettings: view.appSettings, backend });
      sites.set(label, { name: view.name, urls, principalId: view.resource.identity?.principalId });
    }
    const apims = store.listResources({ type: 'Microsoft.ApiManagement/service' });
    const wantedSvc = new Set(apims.map((s) => s.name.toLowerCase()));
    for (const [label, rt] of services) {
      if (!wantedSvc.has(label)) {
        services.delete(label);
        await rt.listeners.close();
      }
    }
    for (const svc of apims) {
      const label = svc.name.toLowerCase();
      let rt = services.get(label);
      if (!rt) {
        const gateway = createGateway({ httpClient: client, tokens: tokens(svc.id), clock, logger: logger.child(`apim ${svc.name}`) });
        rt = { name: svc.name, gateway, listeners: await startListenerPair(gateway.handler, { tls: tls.server, logger, name: `apim ${svc.name}` }) };
        services.set(label, rt);
      }
      try {
        rt.gateway.setService(compileService(buildServiceConfig(store, svc), { loose: options.loose, logger }));
      } catch (e) {
        logger.error(`apim ${svc.name}: policies rejected: ${describeError(e)}`);
        rt.gateway.setService(undefined);
      }
    }
  }

  const deploy = async (input: DeployInput): Promise<DeployResult> => {
    const result = armDeploy(input, { store, scope, clock, ids, logger: logger.child('arm'), loose: options.loose });
    await reconcile();
    return result;
  };

  const controlPlane = createControlPlane({ store, scope, deploy, logger: logger.child('control-plane') });
  const cp = await startListenerPair(controlPlane, { tls: tls.server, logger, name: 'control plane', httpsPort: options.port ?? 0 });
  await reconcile();

  const ready = (): ReadyInfo => {
    const info: ReadyInfo = {
      controlPlane: cp.httpsUrl,
      console: cp.httpsUrl + '/',
      tenantId: options.tenantId,
      subscriptionId: options.subscriptionId,
      resourceGroup: options.resourceGroup,
      caCertificate: tls.caFile,
      identity: {
        authority: `${identityListeners.httpsUrl}/${options.tenantId}`,
        identityEndpoint: `${identityListeners.httpUrl}/msi/token`,
        identityHeader,
        imdsEndpoint: identityListeners.httpUrl,
      },
      sites: {},
      apim: {},
    };
    const ownEndpoint = (principalId: string | undefined) => (principalId ? `${identityListeners.httpUrl}/msi/${principalId}/token` : undefined);
    for (const rt of sites.values()) {
      const principalId = rt.principalId;
      info.sites[rt.name] = {
        url: rt.urls.httpsUrl,
        httpUrl: rt.urls.httpUrl,
        hostName: `${rt.name.toLowerCase()}.azurewebsites.net`,
        ...(principalId ? { principalId, identityEndpoint: ownEndpoint(principalId) } : {}),
      };
    }
    for (const svc of store.listResources({ type: 'Microsoft.ApiManagement/service' })) {
      const rt = services.get(svc.name.toLowerCase());
      if (!rt) continue;
      info.apim[svc.name] = {
        gatewayUrl: rt.listeners.httpsUrl,
        httpGatewayUrl: rt.listeners.httpUrl,
        hostName: `${svc.name.toLowerCase()}.azure-api.net`,
        resourceId: svc.id,
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
  };

  return {
    store,
    identity,
    deploy,
    ready,
    async close() {
      await queue;
      await Promise.all([
        siteHost.close(),
        ...[...services.values()].map((s) => s.listeners.close()),
        identityListeners.close(),
        echo.close(),
        cp.close(),
      ]);
      await client.close();
      store.close();
    },
  };
}

