import { HostTable, createHttpClient, type HttpClient } from '../core/index.js';
import { openStore, type ResourceRecord, type Store } from '../state/index.js';
import { deploy as armDeploy, type DeployInput, type DeployResult } from '../arm/index.js';
import type { IdentityService } from '../identity/index.js';
import type { CompiledService, ServiceConfig } from '../gateway/index.js';
import { IDENTITY_HOSTS } from './hosts.js';
import { echoFunction } from './echo-function.js';
import { compileServiceResource } from './reconciler.js';
import { siteViews, type SiteView } from './site-config.js';
import { createSiteHandler, type SiteSpec } from './site-host.js';
import { createSiteDispatch } from './site-dispatch.js';
import { MAX_REQUEST_HEADER_BYTES, type RequestHandler } from './listener.js';
import { managedIdentityTokens } from './managed-identity-tokens.js';
import type { SiteDecision } from './decision-log.js';
import { createTwinIdentity } from './twin-identity.js';
import { armDeployOptions, type DeploySettings } from './deploy-options.js';

/** What `trustline lint` deploys with: as `trustline up` (runtime/deploy-options.ts), without listeners or state folder. */
export type OfflineTwinOptions = DeploySettings;

/** One APIM service of the state, compiled as the gateway serves it. */
export interface OfflineService {
  resource: ResourceRecord;
  config: ServiceConfig;
  compiled: CompiledService;
}

/** A request to a site, as the gateway's backend call (or any caller) sends it. */
export interface OfflineSiteRequest {
  method: string;
  /** `https://<site>.azurewebsites.net/path` (or http://). */
  url: string;
  headers: Record<string, string>;
}

/**
 * The twin without listeners (`trustline lint`): deployments go through the same ARM engine, providers and runtime
 * compile step as `trustline up` (what the runtime cannot serve fails the deployment), into an in-memory store; the
 * sites' Easy Auth runs in-process (runtime/site-host.ts's handler, the runtime's own), the Entra ID twin answers
 * its OIDC metadata in-process, and managed identity tokens are issued as the gateway gets them. Nothing listens.
 */
export interface OfflineTwin {
  readonly store: Store;
  readonly identity: IdentityService;
  /** Deploy one input as `trustline up` does; throws as `up` fails (the state keeps what was there before). */
  deploy(input: DeployInput): Promise<DeployResult>;
  /** Every APIM service of the state, compiled. */
  services(): Promise<OfflineService[]>;
  /** Every site (and slot) of the state, as the runtime plays it. */
  sites(): SiteView[];
  /** The token the APIM service `serviceId` gets for `resource` (its system-assigned identity, or `clientId`'s). */
  managedIdentityToken(serviceId: string, resource: string, clientId?: string): Promise<string>;
  /** Send one request to a site of the state: its decision record, as `trustline explain` shows it. */
  callSite(site: SiteView, request: OfflineSiteRequest): Promise<SiteDecision>;
  close(): void;
}

/** Where the sites of an offline twin forward (the built-in echo function, in-process). */
const ECHO_ORIGIN = 'http://function.lint.invalid';

export async function createOfflineTwin(options: OfflineTwinOptions): Promise<OfflineTwin> {
  const { clock, ids, logger } = options;
  const store = openStore({ inMemory: true });
  // The same identity service as `trustline up`'s, keys in memory (a fresh ring each run), no IMDS identities.
  const { identity } = await createTwinIdentity({ store, tenantId: options.tenantId, ...(options.compat?.identity ? { compat: options.compat.identity } : {}), clock, ids, logger });
  const hosts = new HostTable();
  const inProcess = (handler: () => RequestHandler | undefined) => ({
    http: createSiteDispatch(handler, { encrypted: false, maxHeaderBytes: MAX_REQUEST_HEADER_BYTES, localPort: 80 }),
    https: createSiteDispatch(handler, { encrypted: true, maxHeaderBytes: MAX_REQUEST_HEADER_BYTES, localPort: 443 }),
  });
  const identityDispatch = inProcess(() => identity.handler);
  for (const h of IDENTITY_HOSTS) hosts.set(h, { dispatch: identityDispatch });
  hosts.set(new URL(ECHO_ORIGIN).hostname, { dispatch: inProcess(() => echoFunction) });
  const client: HttpClient = createHttpClient({ resolver: hosts, inProcess: true });
  const compileOptions = { loose: options.loose, logger, gatewayFlags: options.compat?.gateway };

  const services = async (): Promise<OfflineService[]> => {
    const out: OfflineService[] = [];
    for (const svc of store.listResources({ type: 'Microsoft.ApiManagement/service' }).sort((a, b) => a.name.localeCompare(b.name))) {
      out.push({ resource: svc, ...(await compileServiceResource(store, svc, compileOptions)) });
    }
    return out;
  };

  // One Easy Auth handler per site and settings, built as the runtime's site host builds it.
  const handlers = new Map<string, { key: SiteView; handler: RequestHandler; last?: SiteDecision }>();
  const siteHandler = (view: SiteView) => {
    const label = view.hostName.replace(/\.azurewebsites\.net$/, '');
    const known = handlers.get(label);
    if (known && known.key === view) return known;
    const entry: { key: SiteView; handler: RequestHandler; last?: SiteDecision } = { key: view, handler: () => undefined };
    const spec: SiteSpec = {
      label, name: view.name, authSettings: view.authSettings, appSettings: view.appSettings, functions: view.functions, hostKeys: view.hostKeys,
      ...(view.stopped ? { stopped: true } : {}), backend: ECHO_ORIGIN, ...(options.compat?.easyAuth ? { flags: options.compat.easyAuth } : {}),
    };
    entry.handler = createSiteHandler(spec, { tls: { cert: '', key: '' }, arrSsl: '', client, clock, logger, onDecision: (d) => void (entry.last = d) }, () => undefined);
    handlers.set(label, entry);
    return entry;
  };

  return {
    store,
    identity,
    async deploy(input) {
      const result = armDeploy(input, armDeployOptions(options, store));
      // What the gateway could not serve fails the deployment, as in `trustline up` (runtime/reconciler.ts).
      await services();
      return result;
    },
    services,
    sites: () => siteViews(store).sort((a, b) => a.name.localeCompare(b.name)),
    async managedIdentityToken(serviceId, resource, clientId) {
      const t = await managedIdentityTokens(identity, serviceId).getToken({ resource, ...(clientId !== undefined ? { clientId } : {}) });
      return t.accessToken;
    },
    async callSite(view, request) {
      const entry = siteHandler(view);
      entry.last = undefined;
      const url = new URL(request.url);
      const dispatch = inProcess(() => entry.handler)[url.protocol === 'https:' ? 'https' : 'http'];
      const res = await dispatch(url, { method: request.method, headers: { host: url.host, ...request.headers } });
      // The decision record is complete once the function answered: read the answer to its end.
      for await (const chunk of res.body) void chunk;
      if (entry.last) return entry.last;
      // The front end answered before Easy Auth ran (a stopped site's 403): the record says so.
      const reason = view.stopped ? 'the site is stopped (state Stopped): App Service answers 403 before Easy Auth runs' : `the site answered ${res.statusCode} before Easy Auth decided`;
      return {
        kind: 'site', requestId: '', site: view.name, time: new Date(clock.now()).toISOString(), method: request.method, path: url.pathname, host: url.host,
        scheme: url.protocol === 'https:' ? 'https' : 'http', outcome: 'rejected', status: res.statusCode, steps: [{ step: 'front-end', ok: false, reason }], durationMs: 0,
      };
    },
    close() {
      identity.close();
      void client.close();
      store.close();
    },
  };
}
