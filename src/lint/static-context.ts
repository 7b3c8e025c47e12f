import { compileExpression, type CompiledApi, type CompiledOperation, type CompiledService, type HostContext, type Value } from '../gateway/index.js';

/** Thrown by a member the lint cannot know without a request (the caller's headers, variables, the time, …). */
class RequestTimeValue extends Error {
  constructor(readonly what: string) {
    super(`${what} is known only when a request runs`);
  }
}

const unknown = (what: string): never => {
  throw new RequestTimeValue(what);
};

/**
 * `context` as far as the deployment decides it, for policy expressions evaluated at lint time by the gateway's own
 * evaluator: `context.Api`, `context.Operation`, `context.Deployment`, the product of a product's pipeline and the
 * operation's method are what every request of that operation sees; anything else a request brings (headers, URL,
 * body, variables, subscription, user, the time) throws, and the value is "not known at lint time".
 */
export function staticContext(service: CompiledService, api: CompiledApi, op: CompiledOperation, product: string | undefined): HostContext {
  const productData = product !== undefined ? service.productData.get(product.toLowerCase()) : undefined;
  const request = {
    get method() { return op.method === '*' ? unknown('context.Request.Method') : op.method; },
    get url() { return unknown('context.Request.Url'); },
    get originalUrl() { return unknown('context.Request.OriginalUrl'); },
    get headers() { return unknown('context.Request.Headers'); },
    get ipAddress() { return unknown('context.Request.IpAddress'); },
    get matchedParameters() { return unknown('context.Request.MatchedParameters'); },
  };
  return {
    $type: 'Context',
    get variables() { return unknown('context.Variables'); },
    request: request as unknown as HostContext['request'],
    get response() { return unknown('context.Response'); },
    api: api.info,
    operation: op.info,
    get subscription() { return unknown('context.Subscription'); },
    lastError: null,
    get requestId() { return unknown('context.RequestId'); },
    clock: { now: () => unknown('the time') },
    trace() {},
    get product() { return productData ?? unknown('context.Product'); },
    get user() { return unknown('context.User'); },
    deployment: service.deployment,
    get startedAt() { return unknown('context.Timestamp'); },
    get tracing() { return unknown('context.Tracing'); },
    requestBodyData: () => unknown('context.Request.Body'),
    requestCertificate: () => unknown('context.Request.Certificate'),
  } as HostContext;
}

/** The value of a variable that only a request decides (a token, a header read into it, a response). */
export const REQUEST_TIME: unique symbol = Symbol('request-time');

/**
 * What one path through the policy has done to `context.Variables`: each variable it sets, `set` (every request on
 * the path has it) or `maybe` (a policy that may leave it unset: a token request with ignore-error, a cache lookup
 * without default), with its value when the deployment decides it.
 */
export interface VariableFact { state: 'set' | 'maybe'; value: Value | typeof REQUEST_TIME }
export type PathVariables = ReadonlyMap<string, VariableFact>;

/**
 * `context.Variables` of one path, as the gateway's member table reads it (a Map): a variable the path does not set is
 * absent (`ContainsKey` false, the indexer throws as the gateway's does); reading a `maybe` variable or a request-time
 * value is not known at lint time.
 */
class KnownVariables extends Map<string, Value> {
  private readonly facts: PathVariables;
  constructor(facts: PathVariables) {
    super();
    this.facts = facts;
    for (const [k, f] of facts) if (f.value !== REQUEST_TIME) super.set(k, f.value);
    // `Count`: every variable of the path, known only when none may be unset (an own accessor over Map's).
    Object.defineProperty(this, 'size', {
      get: () => {
        if ([...facts.values()].some((f) => f.state === 'maybe')) unknown('context.Variables.Count');
        return facts.size;
      },
    });
  }
  private fact(k: string): VariableFact | undefined {
    const f = this.facts.get(k);
    if (f && (f.state === 'maybe' || f.value === REQUEST_TIME)) unknown(`context.Variables["${k}"]`);
    return f;
  }
  override get(k: string): Value | undefined {
    return this.fact(k) ? super.get(k) : undefined;
  }
  override has(k: string): boolean {
    const f = this.facts.get(k);
    if (f?.state === 'maybe') unknown(`context.Variables["${k}"]`);
    return f !== undefined;
  }
  override keys(): MapIterator<string> {
    if ([...this.facts.values()].some((f) => f.state === 'maybe')) unknown('context.Variables.Keys');
    return this.facts.keys();
  }
  override [Symbol.iterator](): MapIterator<[string, Value]> {
    for (const k of this.facts.keys()) this.fact(k);
    return super[Symbol.iterator]();
  }
}

/** The static context with one path's variables (`context.Variables`). */
function withVariables(ctx: HostContext, variables: PathVariables | undefined): HostContext {
  if (!variables) return ctx;
  return Object.create(ctx, { variables: { value: new KnownVariables(variables), enumerable: true }, $type: { value: 'Context', enumerable: true } }) as HostContext;
}

/**
 * A policy attribute's value over the static context and a path's variables: a literal is itself (a string, as
 * set-variable stores it), an expression is evaluated by the gateway's evaluator; REQUEST_TIME when the request
 * decides it (or the expression throws: the gateway's on-error then decides).
 */
export function staticValue(text: string, ctx: HostContext, variables?: PathVariables): Value | typeof REQUEST_TIME {
  if (!/^\s*@[({]/.test(text)) return text;
  try {
    return compileExpression(text).evaluate(withVariables(ctx, variables));
  } catch {
    return REQUEST_TIME;
  }
}

/**
 * A `<when condition>` as the gateway reads it (`true`/`false`, or a policy expression compiled by the gateway's
 * compiler), evaluated over the static context and the variables the path has set: true/false when the deployment
 * decides it, undefined when it depends on the request (or fails: then the gateway's on-error decides, not this branch).
 */
export function staticCondition(condition: string, ctx: HostContext, variables?: PathVariables): boolean | undefined {
  const t = condition.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  try {
    const v = compileExpression(condition).evaluate(withVariables(ctx, variables));
    return typeof v === 'boolean' ? v : undefined;
  } catch {
    // A request-time value (RequestTimeValue), or an expression that throws: the request decides.
    return undefined;
  }
}
