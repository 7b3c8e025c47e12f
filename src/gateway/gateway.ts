import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomIds } from '../core/index.js';
import { copyUrl, type MutableUrl } from './expressions/host.js';
import type { CompiledApi, CompiledOperation, CompiledService } from './compile-service.js';
import type { EffectivePipeline } from './policy/compose.js';
import { PolicyError } from './pipeline/errors.js';
import { executePipeline, sendResponse } from './pipeline/execute.js';
import { headerMapFromRaw } from './pipeline/headers.js';
import { rebuildUrl, RequestRun, type RunServices } from './pipeline/request-run.js';
import { TokenCache } from './pipeline/token-cache.js';
import { clientIp, requestScheme, underApiPath } from './routing.js';
import { matchUrlTemplate } from './url-template.js';
import { checkRequestLimits } from './request-limits.js';
import { resolveGatewayCompatFlags } from './compat-flags.js';
import { findKey, INVALID_KEY_MESSAGE, MISSING_KEY_MESSAGE, resolveSubscription, wwwAuthenticate } from './subscriptions.js';
import type { CompiledServiceHandle, Gateway, GatewayOptions } from './types.js';

const EMPTY_API = { id: '', name: '', path: '', serviceUrl: null, protocols: [] };
const EMPTY_OP = { id: '', name: '', method: '', urlTemplate: '' };
const NOT_FOUND = () => new PolicyError({
  source: 'configuration', reason: 'OperationNotFound', message: 'Unable to match incoming request to an operation.',
  statusCode: 404, responseMessage: 'Resource not found',
});

interface Route { api: CompiledApi | undefined; op: CompiledOperation | undefined; relativePath: string; params: Map<string, string> }

function route(svc: CompiledService, scheme: string, method: string, path: string): Route {
  for (const api of svc.apis) {
    const rel = underApiPath(api.path, path);
    if (rel === undefined) continue;
    if (!api.protocols.has(scheme)) continue;
    for (const op of api.operations) {
      if (op.method !== method && op.method !== '*') continue;
      const params = matchUrlTemplate(op.matcher, rel);
      if (params) return { api, op, relativePath: rel, params };
    }
    return { api, op: undefined, relativePath: rel, params: new Map() };
  }
  return { api: undefined, op: undefined, relativePath: path, params: new Map() };
}

/** The APIM gateway: routes, checks subscription keys and runs the compiled pipeline. Never throws. */
export function createGateway(options: GatewayOptions): Gateway {
  const ids = options.ids ?? randomIds;
  const flags = resolveGatewayCompatFlags(options.flags);
  const tokens = new TokenCache(options.tokens, options.clock, options.logger, options.tokenRefreshMarginSeconds);
  let current: CompiledService | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const svc = current;
    const requestId = ids.uuid();
    if (!svc) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(`{ "statusCode": 503, "message": "Service unavailable" }`);
      return;
    }
    const refusal = checkRequestLimits(req);
    if (refusal) {
      options.logger.info(`${refusal.status} ${req.method ?? ''} ${(req.url ?? '').slice(0, 200)}: ${refusal.reason}`, { requestId });
      const body = `{ "statusCode": ${refusal.status}, "message": ${JSON.stringify(refusal.message)} }`;
      res.writeHead(refusal.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(body);
      return;
    }
    const scheme = requestScheme(req);
    const hostHeader = req.headers.host ?? svc.config.hostName;
    let incoming: URL;
    try {
      incoming = new URL(req.url ?? '/', `${scheme}://${hostHeader}`);
    } catch {
      incoming = new URL(`${scheme}://${svc.config.hostName}/`);
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const query: Array<[string, string]> = [...incoming.searchParams];
    const originalUrl: MutableUrl = {
      scheme, host: incoming.hostname, port: incoming.port ? Number(incoming.port) : scheme === 'https' ? 443 : 80, path: incoming.pathname, query,
    };
    const r = route(svc, scheme, method, incoming.pathname);
    const services: RunServices = { httpClient: options.httpClient, tokens, logger: options.logger, clock: options.clock, backends: svc.backends, flags };

    let initialError: PolicyError | undefined;
    let subscription = null;
    let pipeline: EffectivePipeline = r.op?.pipeline ?? r.api?.apiPipeline ?? svc.globalPipeline;
    if (!r.op) initialError = NOT_FOUND();
    else {
      const key = findKey(req.headers['ocp-apim-subscription-key'], query);
      const api = r.api!;
      if (key !== undefined) subscription = resolveSubscription(svc.subscriptions, key, api.config.name) ?? null;
      const rejectInvalid = key !== undefined && !subscription && flags.invalidKeyWhenNotRequired === 'reject';
      if ((api.subscriptionRequired || rejectInvalid) && !subscription) {
        const missing = key === undefined;
        initialError = new PolicyError({
          source: 'authorization',
          reason: missing ? 'SubscriptionKeyNotFound' : 'SubscriptionKeyInvalid',
          message: missing ? MISSING_KEY_MESSAGE : INVALID_KEY_MESSAGE,
          statusCode: 401,
          responseMessage: missing ? MISSING_KEY_MESSAGE : INVALID_KEY_MESSAGE,
          headers: { 'WWW-Authenticate': wwwAuthenticate(svc.config.hostName, api.config.path.replace(/^\/+/, '')) },
        });
      }
    }
    if (!r.api) pipeline = svc.globalPipeline;
    const rc = new RequestRun(
      services, req,
      { method, url: copyUrl(originalUrl), originalUrl, headers: headerMapFromRaw(req.rawHeaders), ipAddress: clientIp(req), matchedParameters: r.params },
      r.api?.info ?? EMPTY_API, r.op?.info ?? EMPTY_OP, subscription, requestId,
      { base: r.api?.serviceUrl ?? null, relativePath: r.relativePath },
    );
    rebuildUrl(rc);
    await executePipeline(rc, pipeline, initialError);
    if (rc.requestBody.kind === 'stream' && !req.readableEnded && !rc.forwarded) req.resume();
    await sendResponse(rc, res);
    // A backend may answer before it has read the whole request body (a GET body, an early 4xx):
    // whatever is left on the wire is read and dropped, or the next request on this keep-alive
    // connection would wait behind it (issue 8).
    if (!req.complete) req.resume();
  };

  return {
    handler(req, res) {
      handle(req, res).catch((e: unknown) => {
        options.logger.error('gateway handler failed', { error: (e as Error)?.message ?? String(e) });
        try {
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(`{ "statusCode": 500, "message": "Internal server error", "activityId": ${JSON.stringify(ids.uuid())} }`);
          } else res.destroy();
        } catch {
          res.destroy();
        }
      });
    },
    setService(svc: CompiledServiceHandle | undefined) {
      current = svc as CompiledService | undefined;
    },
  };
}
