import {
  proxyRequest,
  describeError,
  type Clock,
  type HttpClient,
  type Logger,
} from '../core/index.js';
import { createEasyAuthHandler, normalizeAuthSettings } from '../easyauth/index.js';
import { startListenerPair, type ListenerPair, type RequestHandler } from './listener.js';

/** What a site listener needs to play one `Microsoft.Web/sites` (plain data: it crosses to a worker). */
export interface SiteSpec {
  /** First label of the host name (`<label>.azurewebsites.net`). */
  label: string;
  name: string;
  /** authsettingsV2 `properties`, or undefined (platform disabled). */
  authSettings: unknown;
  appSettings: Record<string, string>;
  /** The function backend's base URL (the built-in echo or `--backend`). */
  backend: string;
}

export interface SiteUrls {
  httpUrl: string;
  httpsUrl: string;
}

/** Runs the site listeners (Easy Auth in front of each function backend). */
export interface SiteHost {
  /** Start or update the listeners of a site; resolves to their URLs. */
  upsert(spec: SiteSpec): Promise<SiteUrls>;
  remove(label: string): Promise<void>;
  close(): Promise<void>;
}

export interface SiteHostDeps {
  tls: { cert: string; key: string };
  client: HttpClient;
  clock: Clock;
  logger: Logger;
}

function internalError(): RequestHandler {
  return (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Internal Server Error');
  };
}

/** The Easy Auth handler of one site, forwarding to its backend. */
export function createSiteHandler(spec: SiteSpec, deps: SiteHostDeps, listeners: () => ListenerPair | undefined): RequestHandler {
  const { client, clock, logger } = deps;
  const backend = spec.backend.replace(/\/$/, '');
  // As on App Service, the function sees the Host the site was called with (e.g. <name>.azurewebsites.net).
  const forward = (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], headers: Record<string, string | string[] | undefined>) => {
    void proxyRequest(client, req, res, { url: backend + (req.url ?? '/'), headers });
  };
  let settings;
  try {
    settings = spec.authSettings === undefined ? undefined : normalizeAuthSettings(spec.authSettings);
  } catch (e) {
    logger.error(`site ${spec.name}: authsettingsV2 rejected: ${describeError(e)}`);
    return internalError();
  }
  // requireHttps redirects to the same host; called by its local http address, name the local https one.
  const httpsHost = (host: string): string => {
    const l = listeners();
    if (l && host.toLowerCase() === new URL(l.httpUrl).host) return new URL(l.httpsUrl).host;
    return host;
  };
  const siteLogger = logger.child(`site ${spec.name}`);
  return createEasyAuthHandler({
    settings,
    httpsHost,
    // Explain every refusal in the log: the bare 401/403 Azure gives, with the reason it never tells.
    onTrace: (d) => {
      if (d.outcome !== 'rejected' && d.outcome !== 'error') return;
      const failed = d.steps.filter((s) => !s.ok).map((s) => `${s.step}: ${s.reason}`);
      siteLogger.info(`${d.status ?? 500} ${d.method} ${d.path}: ${failed.join('; ') || d.errorCode || d.outcome}`);
    },
    appSettings: spec.appSettings,
    httpClient: client,
    clock,
    logger: siteLogger,
    forward,
  });
}

/** Site listeners on this thread. */
export function createInProcessSiteHost(deps: SiteHostDeps): SiteHost {
  const sites = new Map<string, ListenerPair>();
  return {
    async upsert(spec) {
      const handler = createSiteHandler(spec, deps, () => sites.get(spec.label));
      let l = sites.get(spec.label);
      if (l) l.setHandler(handler);
      else {
        l = await startListenerPair(handler, { tls: deps.tls, logger: deps.logger, name: `site ${spec.name}` });
        sites.set(spec.label, l);
      }
      return { httpUrl: l.httpUrl, httpsUrl: l.httpsUrl };
    },
    async remove(label) {
      const l = sites.get(label);
      sites.delete(label);
      await l?.close();
    },
    async close() {
      await Promise.all([...sites.values()].map((l) => l.close()));
      sites.clear();
    },
  };
}
