import { describe, expect, it } from 'vitest';
import { inbound, run } from './run.js';

const policy = (attrs = '') => inbound(`<cors ${attrs}><allowed-origins><origin>https://app.contoso.com</origin></allowed-origins>
  <allowed-methods preflight-result-max-age="300"><method>GET</method><method>POST</method></allowed-methods>
  <allowed-headers><header>content-type</header><header>authorization</header></allowed-headers>
  <expose-headers><header>x-request-id</header></expose-headers></cors>
  <set-header name="X-After-Cors" exists-action="override"><value>ran</value></set-header>`);
const preflight = (origin: string, method = 'POST', headers = 'content-type') => ({
  method: 'OPTIONS', operation: { method: 'POST' },
  headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
});

describe('cors (behaviour 34)', () => {
  it('a matching preflight: 200 with the Access-Control-* headers, no other policy and no backend', async () => {
    const r = await run(policy('allow-credentials="true"'), preflight('https://app.contoso.com'));
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('https://app.contoso.com');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-allow-methods']).toBe('GET,POST');
    expect(r.headers['access-control-allow-headers']).toBe('content-type');
    expect(r.headers['access-control-max-age']).toBe('300');
    expect(r.body).toBe('');
    expect(r.backendRequest).toBeNull();
  });

  it('an unmatched preflight: empty 200 (terminate-unmatched-request default), or the pipeline goes on with false', async () => {
    const r = await run(policy(), preflight('https://evil.example'));
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.backendRequest).toBeNull();
    const bad = await run(policy(), preflight('https://app.contoso.com', 'DELETE'));
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
    const on = await run(policy('terminate-unmatched-request="false"'), preflight('https://evil.example'));
    expect(on.backendRequest!.headers['x-after-cors']).toBe('ran');
  });

  it('an actual request with an allowed Origin gets ACAO and exposed headers on the backend answer; others none', async () => {
    const r = await run(policy(), { method: 'GET', headers: { origin: 'https://app.contoso.com' } });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('https://app.contoso.com');
    expect(r.headers['access-control-expose-headers']).toBe('x-request-id');
    const other = await run(policy(), { method: 'GET', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.backendRequest).not.toBeNull();
  });

  it('an origin written with a trailing slash (as Learn\'s example writes it) matches the Origin a browser sends; a path is refused', async () => {
    const slash = policy().replace('https://app.contoso.com</origin>', 'https://app.contoso.com/</origin><origin>http://localhost:8080/</origin>');
    const r = await run(slash, { method: 'GET', headers: { origin: 'https://app.contoso.com' } });
    expect(r.headers['access-control-allow-origin']).toBe('https://app.contoso.com');
    const local = await run(slash, preflight('http://localhost:8080'));
    expect(local.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    await expect(run(inbound('<cors><allowed-origins><origin>https://app.contoso.com/spa</origin></allowed-origins></cors>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });

  it('refuses credentials with origin * and a missing origin list', async () => {
    await expect(run(inbound('<cors allow-credentials="true"><allowed-origins><origin>*</origin></allowed-origins></cors>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound('<cors/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_STRUCTURE' });
  });
});
