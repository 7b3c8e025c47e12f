import { describe, expect, it } from 'vitest';
import { inbound, run } from './run.js';

describe('send-request / send-one-way-request', () => {
  it('mode new: set-url, set-method, set-header, set-body; the response goes to the variable (status readable) (behaviour 36)', async () => {
    const r = await run(inbound(`<send-request mode="new" response-variable-name="r" timeout="5">
        <set-url>https://side.example.net/lookup?id=1</set-url><set-method>POST</set-method>
        <set-header name="X-Side" exists-action="override"><value>yes</value></set-header><set-body>ping</set-body></send-request>`),
    { backend: { status: 202, body: 'pong' } });
    // The stub backend answers every call; the side request is listed apart from the backend's.
    expect(r.sentRequests[0]).toMatchObject({ method: 'POST', url: 'https://side.example.net/lookup?id=1', body: 'ping' });
    expect(r.sentRequests[0]!.headers['x-side']).toBe('yes');
    expect(r.status).toBe(202);
  });

  it('authentication-managed-identity inside send-request puts the token on the side request only (behaviour 24)', async () => {
    const r = await run(`<policies><inbound><send-request mode="new" response-variable-name="r"><set-url>https://vault.example.net/secrets/x</set-url><set-method>GET</set-method>
      <authentication-managed-identity resource="https://vault.azure.net"/></send-request></inbound><backend/><outbound/><on-error/></policies>`);
    expect(r.backendRequest).toBeNull();
    expect(r.sentRequests[0]!.url).toBe('https://vault.example.net/secrets/x');
    const auth = String(r.sentRequests[0]!.headers.authorization);
    expect(auth).toMatch(/^Bearer [\w-]+\.[\w-]+\.$/);
    const claims = JSON.parse(Buffer.from(auth.split('.')[1]!, 'base64url').toString()) as { aud: string };
    expect(claims.aud).toBe('https://vault.azure.net');
  });

  it('mode new without set-url is refused at compile time; send-one-way-request does not wait', async () => {
    await expect(run(inbound('<send-request mode="new" response-variable-name="r"><set-method>GET</set-method></send-request>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_STRUCTURE' });
    const r = await run(`<policies><inbound><send-one-way-request mode="new"><set-url>https://hook.example.net/</set-url><set-method>POST</set-method><set-body>evt</set-body></send-one-way-request>
      <return-response><set-status code="204" reason="No Content"/></return-response></inbound></policies>`);
    expect(r.status).toBe(204);
  });
});
