import { DebugCredentialsError } from '../gateway/index.js';
import type { ServiceRuntime } from './reconciler.js';
import { armHttpError } from './control-plane/wire.js';

const MANAGED_GATEWAY = /^(.*\/providers\/microsoft\.apimanagement\/service\/([^/]+))\/gateways\/managed$/i;

/**
 * The APIM management actions answered by a running gateway (docs/behaviour/apim.md §2, trace; src/gateway/debug-trace.ts):
 * `POST …/service/{s}/gateways/managed/listDebugCredentials` → `{ token }`, `POST …/gateways/managed/listTrace`
 * `{traceId}` → the trace. Undefined for any other action (the control plane answers those from the store).
 */
export async function apimGatewayAction(
  services: ReadonlyMap<string, ServiceRuntime>, targetId: string, action: string, readBody: () => Promise<Record<string, unknown>>,
): Promise<unknown> {
  const m = MANAGED_GATEWAY.exec(targetId);
  const act = action.toLowerCase();
  if (!m || (act !== 'listdebugcredentials' && act !== 'listtrace')) return undefined;
  const rt = services.get(m[2]!.toLowerCase());
  if (!rt || rt.resource.id.toLowerCase() !== m[1]!.toLowerCase()) {
    throw armHttpError(404, 'ResourceNotFound', `The Resource 'Microsoft.ApiManagement/service/${m[2]}' was not found.`);
  }
  const body = await readBody();
  if (act === 'listdebugcredentials') {
    try {
      return rt.gateway.debugCredentials(body);
    } catch (e) {
      if (e instanceof DebugCredentialsError) throw armHttpError(e.code === 'ResourceNotFound' ? 404 : 400, e.code, e.message);
      throw e;
    }
  }
  const traceId = typeof body.traceId === 'string' ? body.traceId : '';
  const trace = rt.gateway.trace(traceId);
  if (trace === undefined) throw armHttpError(404, 'ResourceNotFound', `Trace '${traceId}' was not found (the gateway keeps the last 100 traces).`);
  return trace;
}
