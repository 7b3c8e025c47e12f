import { loadPolicyDocument, type CompiledService, type EffectivePipeline, type HostContext, type PolicyNode, type ServiceConfig } from '../gateway/index.js';
import type { SourceLocation } from '../core/index.js';
import { REQUEST_TIME, staticCondition, staticValue, type VariableFact } from './static-context.js';


/** An `authentication-managed-identity` element of an effective pipeline, as written. */
export interface ManagedIdentityCall {
  /**
   * The `resource` attribute (named values substituted), or the value of its policy expression when the deployment
   * decides it (constants, named values, variables the path set); `expression` when the request decides it.
   */
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
  /**
   * The `rewrite-uri` template the backend path comes from (relative to the backend base; `{param}`s of the
   * operation), when one runs; `rewriteExpression` when it is a policy expression.
   */
  rewrite: Rewrite | undefined;
  rewriteExpression: boolean;
  /** The `<when>` conditions that lead to this call (not decided by the deployment): which value each has. */
  conditions: Condition[];
}

/** A literal `rewrite-uri` template and where it stands. */
export interface Rewrite {
  template: string;
  location: SourceLocation;
}

/** A `<when condition>` the request decides, and the value it has on one path through the policy. */
export interface Condition {
  location: SourceLocation;
  value: boolean;
}

const isExpression = (v: string | undefined) => v !== undefined && /^\s*@[({]/.test(v);
const truthy = (v: string | undefined) => (v ?? '').trim().toLowerCase() === 'true';

/** Most paths through `<choose>` elements checked per pipeline (each is one backend call to check). */
export const MAX_PATHS = 64;

/** Elements whose child elements are policies that run whenever the element runs (choose forks, handled apart). */
const CONTAINERS = new Set(['retry', 'wait', 'limit-concurrency']);

/** A policy element and the document it stands in (the policy resource id, a fragment's source). */
interface Item {
  node: PolicyNode;
  file: string | undefined;
}

/** One path through the pipeline: what it has done to the backend request so far. */
interface State {
  token: ManagedIdentityCall | undefined;
  calls: ManagedIdentityCall[];
  baseUrl: string | undefined;
  baseUrlExpression: boolean;
  headersSet: Set<string>;
  pendingVars: Map<string, ManagedIdentityCall>;
  callerToken: boolean;
  rewrite: Rewrite | undefined;
  rewriteExpression: boolean;
  conditions: Condition[];
  /** return-response / mock-response answered: the request never reaches the backend. */
  answered: boolean;
  /**
   * `context.Variables` on this path: what set-variable (and the policies with an output variable) set so far. A
   * branch of `<choose>` sets its variables on its own paths only, so a variable set in some branches is set on some
   * paths (conditions reading it are decided per path) and one set in every branch, `<otherwise>` included, on all.
   */
  variables: Map<string, VariableFact>;
}

const clone = (s: State): State => ({
  ...s, calls: [...s.calls], headersSet: new Set(s.headersSet), pendingVars: new Map(s.pendingVars), conditions: [...s.conditions], variables: new Map(s.variables),
});

/** The variable a policy sets besides set-variable (its attribute), and whether every request that passes it has it. */
const OUTPUT_VARIABLES: Record<string, { attr: string; always: (n: PolicyNode) => boolean }> = {
  // A failed token request with ignore-error leaves the variable unset (compat flag ignoredTokenFailure's default).
  'authentication-managed-identity': { attr: 'output-token-variable-name', always: (n) => !truthy(n.attrs['ignore-error']) },
  'validate-jwt': { attr: 'output-token-variable-name', always: () => true },
  'validate-azure-ad-token': { attr: 'output-token-variable-name', always: () => true },
  // ignore-error leaves the variable null: set either way (docs/behaviour/apim.md §7, behaviour 36).
  'send-request': { attr: 'response-variable-name', always: () => true },
  // A miss without default-value leaves the variable unset.
  'cache-lookup-value': { attr: 'variable-name', always: (n) => n.attrs['default-value'] !== undefined },
};

const locationOf = (item: Item, node: PolicyNode): SourceLocation => ({ ...(item.file !== undefined ? { file: item.file } : {}), line: node.line, column: node.column });

/** The `<value>` texts of a `set-header` element. */
const valuesOf = (n: PolicyNode) => n.children.filter((c) => c.name === 'value').map((c) => c.text);

/** What the lint knows besides the pipeline: the service (backends, fragments) and the static `context`. */
export interface PipelineFacts {
  service: CompiledService;
  config: ServiceConfig;
  serviceUrl: string | undefined;
  /** `context` as the deployment decides it, for `<when condition>`s (lint/static-context.ts). */
  context: HostContext;
}

/**
 * The backend calls of one effective pipeline (inbound and backend sections as composed: every scope, fragments,
 * `<base/>`), read from the compiled steps' elements: one per path through its `<choose>` elements. A condition the
 * deployment decides (a constant, a named value, `context.Api`/`Operation`/`Deployment` members, a variable the path
 * has set to such a value) is evaluated by the gateway's own expression evaluator and only its branch is followed; any other condition forks, and each call
 * carries the condition values of its path. Paths that answer before the backend (return-response, mock-response)
 * are left out; `truncated` says more than MAX_PATHS paths were not all followed.
 */
export function backendCalls(pipeline: EffectivePipeline, facts: PipelineFacts): { calls: BackendCall[]; truncated: boolean } {
  let truncated = false;
  const fragments = new Map<string, Item[]>();
  const fragmentItems = (id: string): Item[] => {
    const key = id.toLowerCase();
    if (!fragments.has(key)) {
      const frag = facts.config.fragments?.find((f) => f.id.toLowerCase() === key);
      let items: Item[] = [];
      if (frag) {
        // The fragment compiled as the gateway compiles it (named values substituted), as the elements it includes.
        const file = frag.source ?? `${facts.config.resourceId}/policyFragments/${frag.id}`;
        try {
          const doc = loadPolicyDocument(frag.value, { namedValues: facts.config.namedValues, file, loose: true });
          items = doc.root.children.map((node) => ({ node, file }));
        } catch {
          items = [];
        }
      }
      fragments.set(key, items);
    }
    return fragments.get(key)!;
  };

  const apply = (item: Item, s: State): State[] => {
    const n = item.node;
    if (s.answered) return [s];
    const output = OUTPUT_VARIABLES[n.name];
    const outputName = output ? n.attrs[output.attr] : undefined;
    if (output && outputName !== undefined) s.variables.set(outputName, { state: output.always(n) ? 'set' : 'maybe', value: REQUEST_TIME });
    switch (n.name) {
      case 'set-variable': {
        const name = n.attrs.name;
        if (name !== undefined) s.variables.set(name, { state: 'set', value: staticValue(n.attrs.value ?? '', facts.context, s.variables) });
        return [s];
      }
      case 'choose':
        return choose(item, s);
      case 'include-fragment':
        return walk(fragmentItems(n.attrs['fragment-id'] ?? ''), [s]);
      case 'return-response':
      case 'mock-response':
        s.answered = true;
        return [s];
      case 'authentication-managed-identity': {
        // An expression the deployment decides (a named value, a variable this path set to such a value) is its value.
        const decide = (v: string | undefined): string | undefined => {
          if (!isExpression(v)) return v;
          const known = staticValue(v!, facts.context, s.variables);
          return typeof known === 'string' ? known : v;
        };
        const resource = decide(n.attrs.resource) ?? '';
        const clientId = decide(n.attrs['client-id']);
        const call: ManagedIdentityCall = {
          resource,
          clientId,
          outputVariable: n.attrs['output-token-variable-name'],
          ignoreError: truthy(n.attrs['ignore-error']),
          expression: isExpression(resource) ? 'resource' : isExpression(clientId) ? 'client-id' : undefined,
          location: locationOf(item, n),
        };
        s.calls.push(call);
        if (call.outputVariable === undefined) {
          s.token = call;
          s.callerToken = false;
        } else s.pendingVars.set(call.outputVariable, call);
        return [s];
      }
      case 'validate-jwt':
      case 'validate-azure-ad-token': {
        const header = n.attrs['header-name'];
        if (n.attrs['query-parameter-name'] === undefined && n.attrs['token-value'] === undefined && (header === undefined || header.toLowerCase() === 'authorization')) s.callerToken = true;
        return [s];
      }
      case 'set-header': {
        const name = (n.attrs.name ?? '').toLowerCase();
        const action = (n.attrs['exists-action'] ?? 'override').toLowerCase();
        if (action !== 'delete') s.headersSet.add(name);
        if (name !== 'authorization') return [s];
        s.callerToken = false;
        if (action === 'delete') {
          s.token = undefined;
          return [s];
        }
        const text = valuesOf(n).join('\n');
        const sent = [...s.pendingVars].find(([v]) => text.includes(`"${v}"`));
        if (sent) s.token = sent[1];
        return [s];
      }
      case 'set-backend-service': {
        const url = n.attrs['base-url'];
        const id = n.attrs['backend-id'];
        if (isExpression(url) || isExpression(id)) s.baseUrlExpression = true;
        else if (url !== undefined) s.baseUrl = url;
        else if (id !== undefined) s.baseUrl = facts.service.backends.get(id.toLowerCase()) ?? s.baseUrl;
        return [s];
      }
      case 'rewrite-uri': {
        const template = n.attrs.template;
        if (isExpression(template)) s.rewriteExpression = true;
        else if (template !== undefined) {
          s.rewrite = { template, location: locationOf(item, n) };
          s.rewriteExpression = false;
        }
        return [s];
      }
      default:
        return CONTAINERS.has(n.name) ? walk(n.children.map((c) => ({ node: c, file: item.file })), [s]) : [s];
    }
  };

  /** The first true `<when>` runs, else `<otherwise>`: one path per branch the deployment does not rule out. */
  const choose = (item: Item, s: State): State[] => {
    const out: State[] = [];
    const before: Condition[] = [];
    for (const c of item.node.children) {
      const body = c.children.map((node) => ({ node, file: item.file }));
      if (c.name === 'otherwise') {
        const t = clone(s);
        t.conditions.push(...before);
        return [...out, ...walk(body, [t])];
      }
      if (c.name !== 'when') continue;
      const decided = staticCondition(c.attrs.condition ?? 'false', facts.context, s.variables);
      if (decided === false) continue;
      const t = clone(s);
      const location = locationOf(item, c);
      t.conditions.push(...before, ...(decided === undefined ? [{ location, value: true }] : []));
      out.push(...walk(body, [t]));
      if (decided === true) return out;
      before.push({ location, value: false });
    }
    // No branch ran (no <otherwise>): the request goes on as it was.
    const t = clone(s);
    t.conditions.push(...before);
    return [...out, t];
  };

  const walk = (items: readonly Item[], states: State[]): State[] => {
    let current = states;
    for (const item of items) {
      const next: State[] = [];
      for (const s of current) next.push(...apply(item, s));
      if (next.length > MAX_PATHS) truncated = true;
      current = next.slice(0, MAX_PATHS);
    }
    return current;
  };

  const steps = [...pipeline.inbound, ...pipeline.backend];
  const items: Item[] = steps.filter((st) => st.node).map((st) => ({ node: st.node!, file: st.location.file }));
  const start: State = {
    token: undefined, calls: [], baseUrl: facts.serviceUrl, baseUrlExpression: false, headersSet: new Set(), pendingVars: new Map(), callerToken: false,
    rewrite: undefined, rewriteExpression: false, conditions: [], answered: false, variables: new Map(),
  };
  const calls = walk(items, [start]).filter((s) => !s.answered).map((s): BackendCall => {
    const unsent = [...s.pendingVars.values()].filter((c) => c !== s.token);
    return {
      token: s.token, calls: s.calls, unsent, baseUrl: s.baseUrl, baseUrlExpression: s.baseUrlExpression, headersSet: s.headersSet,
      callerToken: s.callerToken, rewrite: s.rewrite, rewriteExpression: s.rewriteExpression, conditions: s.conditions,
    };
  });
  return { calls, truncated };
}
