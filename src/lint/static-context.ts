import { compileExpression, type CompiledApi, type CompiledOperation, type CompiledService, type HostContext } from '../gateway/index.js';

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

/**
 * A `<when condition>` as the gateway reads it (`true`/`false`, or a policy expression compiled by the gateway's
 * compiler), evaluated over the static context: true/false when the deployment decides it, undefined when it depends
 * on the request (or fails: then the gateway's on-error decides, not this branch).
 */
export function staticCondition(condition: string, ctx: HostContext): boolean | undefined {
  const t = condition.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  try {
    const v = compileExpression(condition).evaluate(ctx);
    return typeof v === 'boolean' ? v : undefined;
  } catch {
    // A request-time value (RequestTimeValue), or an expression that throws: the request decides.
    return undefined;
  }
}
