// `policy run` REQUEST.json `subscription`: the caller's subscription, product and user, as the gateway's subscription
// check resolves them (context.Subscription/Product/User, the 401 of a wrong key).
import { describe, expect, it } from 'vitest';
import { inbound, run } from './policies/run.js';

const echo = inbound(`<set-header name="X-Ctx" exists-action="override"><value>@(context.Product.Name + "|" + context.Subscription.Name + "|" + context.Subscription.Key + "|" + context.User.Email + "|" + context.User.Id)</value></set-header>`);
const rq = { url: 'https://contoso.azure-api.net/echo/resource', api: { path: 'echo', serviceUrl: 'https://backend.example.net' }, operation: { urlTemplate: '/resource' } };

describe('policy run: REQUEST.json subscription', () => {
  it('a product subscription owned by a user: the key is sent for the caller and the context sees all three', async () => {
    const r = await run(echo, { ...rq, subscription: { name: 'sub-1', key: 'a'.repeat(32), product: { name: 'starter', displayName: 'Starter' }, user: { name: 'u1', email: 'dev@contoso.com' } } });
    expect(r.status).toBe(200);
    expect(r.backendRequest!.headers['x-ctx']).toBe(`Starter|sub-1|${'a'.repeat(32)}|dev@contoso.com|u1`);
  });

  it('without a product the subscription is the API\'s; context.Product is null', async () => {
    const r = await run(inbound('<set-header name="X-P" exists-action="override"><value>@(context.Product == null ? "none" : context.Product.Name)</value></set-header>'), { ...rq, subscription: {} });
    expect(r.status).toBe(200);
    expect(r.backendRequest!.headers['x-p']).toBe('none');
  });

  it('a key the request sends itself is used: a wrong one is 401, in the query too', async () => {
    const wrong = await run(echo, { ...rq, headers: { 'Ocp-Apim-Subscription-Key': 'b'.repeat(32) }, subscription: { product: 'starter' } });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toEqual({ statusCode: 401, message: 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.' });
    // A subscription nobody owns: context.User is null (so User.Email would fail the request, as in APIM).
    const noUser = inbound('<set-header name="X-Ctx" exists-action="override"><value>@(context.Product.Name + "|" + context.Subscription.Name + "|" + context.Subscription.Key + "|" + (context.User == null))</value></set-header>');
    const query = await run(noUser, { ...rq, url: `${rq.url}?subscription-key=${'c'.repeat(32)}`, subscription: { key: 'c'.repeat(32), product: 'starter' } });
    expect(query.status).toBe(200);
    expect(query.backendRequest!.headers['x-ctx']).toBe(`starter|policy-run-subscription|${'c'.repeat(32)}|True`);
  });
});

describe('policy run: backendRequest', () => {
  it('is the call forward-request made, not a send-request before it (the decision record marks those with by)', async () => {
    const policy = inbound('<send-request mode="new" response-variable-name="t" timeout="5"><set-url>https://login.example.net/token</set-url><set-method>POST</set-method><set-body>grant_type=client_credentials</set-body></send-request>');
    const r = await run(policy, rq);
    expect(r.backendRequest).toMatchObject({ method: 'GET', url: 'https://backend.example.net/resource' });
    expect(r.sentRequests.map((c) => [c.method, c.url, c.body])).toEqual([['POST', 'https://login.example.net/token', 'grant_type=client_credentials']]);
    const calls = (r.trace as { backend: Array<{ url: string; by?: string }> }).backend;
    expect(calls.map((c) => [c.url, c.by])).toEqual([['https://login.example.net/token', 'send-request'], ['https://backend.example.net/resource', undefined]]);
    const only = await run('<policies><inbound><send-request mode="new" response-variable-name="t"><set-url>https://login.example.net/token</set-url></send-request><return-response><set-status code="204" reason="No Content" /></return-response></inbound></policies>', rq);
    expect(only.backendRequest).toBeNull();
  });
});
