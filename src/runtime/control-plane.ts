import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError, isTwinError, type Logger } from '../core/index.js';
import type { Store, ResourceRecord } from '../state/index.js';
import type { DeployInput, DeployResult, DeploymentScope } from '../arm/index.js';

export interface ControlPlaneOptions {
  store: Store;
  scope: DeploymentScope;
  deploy: (input: DeployInput) => Promise<DeployResult>;
  logger: Logger;
}

const MAX_BODY = 4 * 1024 * 1024; // ARM's 4 MB template limit

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function armError(res: ServerResponse, status: number, code: string, message: string, details?: unknown[]): void {
  send(res, status, { error: { code, message, ...(details ? { details } : {}) } });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw Object.assign(new Error('The request content is larger than 4 MB.'), { status: 413 });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function publicView(r: ResourceRecord): Record<string, unknown> {
  const { identity, listResults: _twinOnly, ...rest } = r;
  const out: Record<string, unknown> = { ...rest };
  if (identity) {
    const { clientId: _hidden, ...id } = identity;
    out.identity = id;
  }
  return out;
}

const DEPLOYMENT = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.resources\/deployments\/([^/]+)$/i;

/**
 * A minimal ARM REST surface: deployments (PUT runs synchronously and answers the final state),
 * and GET of any stored resource. Authentication is not enforced yet (see docs/differences.md).
 */
export function createControlPlane(options: ControlPlaneOptions) {
  const { store, scope, logger } = options;
  return (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'https://management.azure.com');
      const path = url.pathname.replace(/\/+$/, '') || '/';
      if (path === '/' && req.method === 'GET') {
        const rows = store
          .listResources()
          .map((r) => `<tr><td>${escapeHtml(r.type)}</td><td>${escapeHtml(r.name)}</td></tr>`)
          .join('');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>Trustline</title><h1>Trustline</h1><table><tr><th>type</th><th>name</th></tr>${rows}</table>`);
        return;
      }
      const dep = DEPLOYMENT.exec(path);
      if (dep && req.method === 'PUT') {
        const [, sub, rg, name] = dep;
        if (sub!.toLowerCase() !== scope.subscriptionId.toLowerCase()) return armError(res, 404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
        if (rg!.toLowerCase() !== scope.resourceGroup.toLowerCase()) return armError(res, 404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
        let body: { properties?: { mode?: string; template?: unknown; parameters?: Record<string, unknown> } };
        try {
          body = JSON.parse(await readBody(req)) as typeof body;
        } catch (e) {
          return armError(res, (e as { status?: number }).status ?? 400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${(e as Error).message}'.`);
        }
        const props = body.properties ?? {};
        if (!props.template) return armError(res, 400, 'InvalidRequestContent', "The request content was invalid: 'properties.template' is required.");
        try {
          await options.deploy({
            deploymentName: decodeURIComponent(name!),
            template: props.template,
            parameters: props.parameters ?? {},
            mode: props.mode?.toLowerCase() === 'complete' ? 'Complete' : 'Incremental',
          });
        } catch (e) {
          logger.warn(`deployment ${name} failed: ${describeError(e)}`);
          const loc = isTwinError(e) ? e.location : undefined;
          return armError(res, 400, 'InvalidTemplate', `Deployment template validation failed: '${isTwinError(e) ? e.message : String(e)}'.`, [
            { code: isTwinError(e) ? e.code : 'InternalError', message: describeError(e), ...(loc ? { target: loc.jsonPath } : {}) },
          ]);
        }
        const record = store.getResource(path);
        return send(res, 200, record ? publicView(record) : { id: path, name });
      }
      if (req.method === 'GET') {
        const r = store.getResource(path);
        if (r) return send(res, 200, publicView(r));
        return armError(res, 404, 'ResourceNotFound', `The Resource '${path}' was not found.`);
      }
      return armError(res, 405, 'MethodNotAllowed', `The method '${req.method}' is not supported here.`);
    })().catch((e) => {
      logger.error(`control plane: ${describeError(e)}`);
      if (!res.headersSent) armError(res, 500, 'InternalServerError', 'Encountered an internal server error.');
    });
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
