import type { CompiledService, EffectivePipeline, PolicyNode } from '../gateway/index.js';
import type { SourceLocation } from '../core/index.js';

type Step = EffectivePipeline['inbound'][number];

/** An `authentication-managed-identity` element of an effective pipeline, as written. */
export interface ManagedIdentityCall {
  /** The `resource` attribute (named values substituted); `expression` when it is a policy expression. */
  resource: string;
  clientId: string | undefined;
  outputVariable: string | undefined;
  ignoreError: boolean;
  /** An attribute the lint cannot decide without a request (a policy expression). */
  expression: 'resource' | 'client-id' | undefined;
  /** Where the element stands (policy source: the policy resource id or link, line:column in the XML). */
  location: SourceLocation;
}

/** What the gateway sends a backend, as far as the effective policy decides it without a request. */
export interface BackendCall {
  /** The `authentication-managed-identity` whose token the request carries in `Authorization` (the last one), if any. */
  token: ManagedIdentityCall | undefined;
  /** Every `authentication-managed-identity` of the pipeline (inbound). */
  calls: ManagedIdentityCall[];
  /** A call whose output variable no `set-header Authorization` sends (the token never leaves the gateway). */
  unsent: ManagedIdentityCall[];
  /** The backend base URL: the API's service URL, or the `set-backend-service` that replaces it (literal or backend id). */
  baseUrl: string | undefined;
  /** Set when `set-backend-service` names its target through an expression (not decided here). */
  baseUrlExpression: boolean;
  /** Header names some policy sets on the request (lower case): e.g. `x-functions-key`. */
  headersSet: Set<string>;
  /**
   * The caller's own bearer token goes on to the backend: a validate-jwt / validate-azure-ad-token reads it from
   * `Authorization` and nothing replaces or deletes that header (the site sees the caller's token, not APIM's).
   */
  callerToken: boolean;
}

const isExpression = (v: string | undefined) => v !== undefined && /^\s*@[({]/.test(v);
const truthy = (v: string | undefined) => (v ?? '').trim().toLowerCase() === 'true';

/** Every element of a step, nested ones included (choose/when bodies, retry, …). */
function* elements(steps: readonly Step[]): Generator<PolicyNode> {
  const walk = function* (n: PolicyNode): Generator<PolicyNode> {
    yield n;
    for (const c of n.children) yield* walk(c);
  };
  for (const s of steps) if (s.node) yield* walk(s.node);
}

function locationOf(step: Step | undefined, node: PolicyNode): SourceLocation {
  return { ...(step?.location.file !== undefined ? { file: step.location.file } : {}), line: node.line, column: node.column };
}

/** The `<value>` texts of a `set-header` element. */
const valuesOf = (n: PolicyNode) => n.children.filter((c) => c.name === 'value').map((c) => c.text);

/**
 * The backend call of one effective pipeline (inbound and backend sections as composed: every scope, fragments,
 * `<base/>`), read from the compiled steps' elements.
 */
export function backendCall(pipeline: EffectivePipeline, service: CompiledService, serviceUrl: string | undefined): BackendCall {
  const steps = [...pipeline.inbound, ...pipeline.backend];
  const calls: ManagedIdentityCall[] = [];
  let token: ManagedIdentityCall | undefined;
  const unsent: ManagedIdentityCall[] = [];
  let baseUrl = serviceUrl;
  let baseUrlExpression = false;
  const headersSet = new Set<string>();
  const pendingVars = new Map<string, ManagedIdentityCall>();
  let callerToken = false;
  for (const step of steps) {
    if (!step.node) continue;
    for (const n of elements([step])) {
      const location = locationOf(step, n);
      if (n.name === 'authentication-managed-identity') {
        const resource = n.attrs.resource ?? '';
        const clientId = n.attrs['client-id'];
        const call: ManagedIdentityCall = {
          resource,
          clientId,
          outputVariable: n.attrs['output-token-variable-name'],
          ignoreError: truthy(n.attrs['ignore-error']),
          expression: isExpression(resource) ? 'resource' : isExpression(clientId) ? 'client-id' : undefined,
          location,
        };
        calls.push(call);
        if (call.outputVariable === undefined) {
          token = call;
          callerToken = false;
        } else pendingVars.set(call.outputVariable, call);
      } else if (n.name === 'validate-jwt' || n.name === 'validate-azure-ad-token') {
        const header = n.attrs['header-name'];
        if (n.attrs['query-parameter-name'] === undefined && n.attrs['token-value'] === undefined && (header === undefined || header.toLowerCase() === 'authorization')) callerToken = true;
      } else if (n.name === 'set-header') {
        const name = (n.attrs.name ?? '').toLowerCase();
        const action = (n.attrs['exists-action'] ?? 'override').toLowerCase();
        if (action !== 'delete') headersSet.add(name);
        if (name !== 'authorization') continue;
        callerToken = false;
        if (action === 'delete') {
          token = undefined;
          continue;
        }
        const text = valuesOf(n).join('\n');
        const sent = [...pendingVars].find(([v]) => text.includes(`"${v}"`));
        if (sent) token = sent[1];
      } else if (n.name === 'set-backend-service') {
        const url = n.attrs['base-url'];
        const id = n.attrs['backend-id'];
        if (isExpression(url) || isExpression(id)) baseUrlExpression = true;
        else if (url !== undefined) baseUrl = url;
        else if (id !== undefined) baseUrl = service.backends.get(id.toLowerCase()) ?? baseUrl;
      }
    }
  }
  for (const c of pendingVars.values()) if (c !== token) unsent.push(c);
  return { token, calls, unsent, baseUrl, baseUrlExpression, headersSet, callerToken };
}
