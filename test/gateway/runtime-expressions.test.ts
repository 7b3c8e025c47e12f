/**
 * The runtime's data reaches policy expressions through the running gateway (issue 6): the request body
 * (`Body.As<JObject>()`), `Headers.GetValueOrDefault`, a send-request response cast `(IResponse)`, a
 * validate-jwt `Jwt`, and `context.Product` / `User` / `Subscription` of the subscription key used.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, seedConfig, startBackend, startGateway } from './helpers.js';

const secret = Buffer.from('a-very-long-shared-secret-for-hs256-tests!!');
const header = (name: string, expr: string) => `<set-header name="${name}" exists-action="override"><value>@(${expr})</value></set-header>`;

const POLICY = `<policies><inbound><base/>
  <validate-jwt header-name="Authorization" output-token-variable-name="jwt" require-expiration-time="false">
    <issuer-signing-keys><key>${secret.toString('base64')}</key></issuer-signing-keys></validate-jwt>
  <send-request mode="new" response-variable-name="side" timeout="10">
    <set-url>http://trustline-func.azurewebsites.net/api/side</set-url><set-method>GET</set-method></send-request>
  ${header('X-Body-Name', '(string)context.Request.Body.As<JObject>(preserveContent: true)["name"]')}
  ${header('X-Tenant', 'context.Request.Headers.GetValueOrDefault("x-tenant", "none")')}
  ${header('X-Missing', 'context.Request.Headers.GetValueOrDefault("x-absent") ?? "null"')}
  ${header('X-Side-Status', '((IResponse)context.Variables["side"]).StatusCode.ToString()')}
  ${header('X-Side-Ok', '(string)((IResponse)context.Variables["side"]).Body.As<JObject>()["ok"]')}
  ${header('X-Side-Type', '((IResponse)context.Variables["side"]).Headers.GetValueOrDefault("Content-Type")')}
  ${header('X-Jwt-Sub', '((Jwt)context.Variables["jwt"]).Subject')}
  ${header('X-Jwt-Roles', '((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("roles", "")')}
  ${header('X-Product', 'context.Product == null ? "none" : context.Product.Name')}
  ${header('X-User', 'context.User == null ? "none" : context.User.Email + "/" + context.User.FirstName')}
  ${header('X-Sub', 'context.Subscription == null ? "none" : context.Subscription.Name + "/" + context.Subscription.Key')}
</inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`;

describe('runtime data in expressions, through the gateway', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    backend = await startBackend();
    const cfg = seedConfig({
      products: [{ name: 'starter', displayName: 'Starter', apis: ['functions'], subscriptionRequired: true }],
      subscriptions: [
        { name: 'ana-sub', scope: '/products/starter', primaryKey: 'pk-product', secondaryKey: 'sk-product', state: 'active', ownerId: '/users/ana' },
        { name: 'api-sub', scope: '/apis/functions', primaryKey: 'pk-api', secondaryKey: 'sk-api', state: 'active' },
      ],
      users: [{ name: 'ana', email: 'ana@contoso.com', firstName: 'Ana', lastName: 'L' }],
    }, POLICY);
    cfg.apis[0]!.operations.push({ id: 'op-post', name: 'post', method: 'POST', urlTemplate: '/hello' });
    g = await startGateway(cfg, backend.origin);
  });
  afterAll(async () => { await g.stop(); await close(backend.server); });

  const call = async (key: string, extra: Record<string, string> = {}) => {
    const token = await new SignJWT({ sub: 'user-1', roles: ['Reader', 'Writer'] }).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    const res = await fetch(`${g.origin}/functions/hello`, {
      method: 'POST', body: '{"name":"widget"}',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': key, ...extra },
    });
    await res.text();
    return { status: res.status, seen: backend.seen.at(-1)! };
  };

  it('a product key: body, headers, IResponse, Jwt, Product, User and Subscription all read', async () => {
    const r = await call('pk-product', { 'x-tenant': 'contoso' });
    expect(r.status).toBe(200);
    const h = r.seen.headers;
    expect(r.seen.body).toBe('{"name":"widget"}');
    expect(h['x-body-name']).toBe('widget');
    expect(h['x-tenant']).toBe('contoso');
    expect(h['x-missing']).toBe('null');
    expect(h['x-side-status']).toBe('200');
    expect(h['x-side-ok']).toBe('True');
    expect(h['x-side-type']).toBe('application/json');
    expect(h['x-jwt-sub']).toBe('user-1');
    expect(h['x-jwt-roles']).toBe('Reader,Writer');
    expect(h['x-product']).toBe('Starter');
    expect(h['x-user']).toBe('ana@contoso.com/Ana');
    expect(h['x-sub']).toBe('ana-sub/pk-product');
  });

  it('an API-scoped key: no product, no user; the subscription is still there', async () => {
    const r = await call('sk-api');
    expect(r.status).toBe(200);
    expect(r.seen.headers['x-product']).toBe('none');
    expect(r.seen.headers['x-user']).toBe('none');
    expect(r.seen.headers['x-sub']).toBe('api-sub/sk-api');
    expect(r.seen.headers['x-tenant']).toBe('none');
  });
});
