/** The console's rendering rules (src/console): every value escaped, the link's secret required, the deciding hop named. */
import { describe, it, expect } from 'vitest';
import { createServer, type Server } from 'node:http';
import { request } from 'undici';
import { createConsole, escapeHtml } from '../../src/console/index.js';
import { decidedBy } from '../../src/console/requests-view.js';
import type { ComposedRequest, ConsoleSource, DecisionRecord, ReadyInfo } from '../../src/runtime/index.js';

const site = (over: Partial<Extract<DecisionRecord, { kind: 'site' }>> = {}): DecisionRecord => ({
  kind: 'site', requestId: 's1', site: 'fn', time: '2026-11-30T10:00:00.100Z', method: 'GET', path: '/api/x', host: 'fn.azurewebsites.net', scheme: 'https',
  outcome: 'rejected', status: 401, steps: [{ step: 'platform', ok: true, reason: 'Easy Auth enabled' }, { step: 'audience', ok: false, reason: "aud '<x>' is not allowed" }], durationMs: 1, ...over,
} as DecisionRecord);

function source(key: string | undefined, name = 'plain'): ConsoleSource {
  return {
    consoleKey: key,
    ready: () => ({ tenantId: 't', subscriptionId: 's', resourceGroup: 'rg', controlPlane: 'https://127.0.0.1:1' }) as ReadyInfo,
    resources: () => [{ id: '/x', type: 'Microsoft.Web/sites', name }],
    chain: () => ({ services: [], sites: [{ name: 'fn', hostName: 'fn.azurewebsites.net', url: 'https://127.0.0.1:2', easyAuth: undefined, functions: [], hostKeys: undefined }] }),
    requests: () => [{ top: site(), hops: [], replayable: true }],
    directory: () => ({ applications: [{ displayName: '<i>app</i>', appId: 'a', objectId: 'o', identifierUris: [], tokenVersion: 1, appRoles: [], secrets: 1, certificates: 0 }], managedIdentities: [], users: [], groups: [], appRoleAssignments: [] }),
    signingKeys: () => ({ signingKid: 'k1', keys: [{ kid: 'k1', publishedAt: '2026-11-30T10:00:00.000Z', activatesAt: '2026-11-30T10:00:00.000Z' }] }),
    send: async (r) => {
      sent.push(r);
      return { method: r.method, url: `https://fn.azurewebsites.net${r.path}`, sent: r.headers, status: 401, headers: [['x-echo', '<b>h</b>']], body: '<script>alert(1)</script>', bodyBytes: 25, truncated: false, decisions: [site()] };
    },
    replay: (id) =>
      id === 's1'
        ? {
            requestId: 's1', target: 'site:fn', url: 'http://fn.azurewebsites.net/api/x?a=<1>',
            request: { scheme: 'http', method: 'PUT', path: '/api/x?a=<1>', headers: [['Content-Type', 'application/json'], ['X-Tag', '"q"']], body: '{"b":"</textarea>"}', bodyBytes: 19, bodyIncomplete: false, left: ['header Authorization', 'query code'] },
          }
        : undefined,
  };
}
const sent: ComposedRequest[] = [];

async function serve(src: ConsoleSource, run: (url: string) => Promise<void>): Promise<void> {
  const server: Server = createServer(createConsole(src));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await run(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe('console', () => {
  it('escapes every value it shows', async () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    await serve(source(undefined, '<img src=x onerror=alert(1)>'), async (url) => {
      const res = await request(`${url}/`);
      const page = await res.body.text();
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(page).not.toContain('<img');
      expect(page).toContain('aud &#39;&lt;x&gt;&#39; is not allowed');
      expect(page).toContain('&lt;i&gt;app&lt;/i&gt;');
    });
  });

  it('with a key: 401 without it, 303 + cookie with it, the page with the cookie; a wrong cookie is 401', async () => {
    await serve(source('secret-key-1234567890'), async (url) => {
      expect((await request(`${url}/`)).statusCode).toBe(401);
      const open = await request(`${url}/?console-key=secret-key-1234567890&last=5`);
      expect(open.statusCode).toBe(303);
      expect(open.headers['location']).toBe('/?last=5');
      expect(String(open.headers['set-cookie'])).toBe('trustline-console=secret-key-1234567890; Path=/; HttpOnly; SameSite=Strict');
      expect((await request(`${url}/`, { headers: { cookie: 'a=b; trustline-console=secret-key-1234567890' } })).statusCode).toBe(200);
      expect((await request(`${url}/`, { headers: { cookie: 'trustline-console=guess' } })).statusCode).toBe(401);
    });
  });

  it('names the hop that decided: the site check that failed under a gateway call, the gateway\'s own reason otherwise', () => {
    const gateway = (status: number, explanation?: string): DecisionRecord => ({
      kind: 'apim', requestId: 'g1', service: 'apim', time: '2026-11-30T10:00:00.000Z', method: 'GET', url: 'https://apim.azure-api.net/f/x',
      route: { api: 'f', operation: 'x', urlTemplate: '/x', parameters: {} }, subscription: null, steps: [], tokens: [], backend: [], error: null, status, durationMs: 5,
      ...(explanation ? { explanation } : {}),
    } as DecisionRecord);
    expect(decidedBy({ top: gateway(401), hops: [site()] })).toBe("site fn, audience: aud '<x>' is not allowed");
    expect(decidedBy({ top: gateway(401, 'validate-jwt: no token'), hops: [] })).toBe('apim apim: validate-jwt: no token');
    expect(decidedBy({ top: gateway(200), hops: [site({ status: 200, outcome: 'forwarded-authenticated', steps: [] } as never)] })).toBe('apim apim → site fn: answered 200');
    expect(decidedBy({ top: site(), hops: [] })).toBe("site fn, audience: aud '<x>' is not allowed");
  });

  describe('the request composer', () => {
    const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const post = (url: string, body: string, headers: Record<string, string> = {}) =>
      request(`${url}/`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'trustline-console=secret-key-1234567890', ...headers } });

    it('sends the form with its CSRF token and shows status, headers, body and the decision record, escaped', async () => {
      sent.length = 0;
      await serve(source('secret-key-1234567890'), async (url) => {
        const home = await request(`${url}/?target=site:fn&method=POST&path=/api/x%3Fa=1&resource=api://fn#composer`, { headers: { cookie: 'trustline-console=secret-key-1234567890' } });
        const page = await home.body.text();
        expect(home.headers['content-security-policy']).toContain("form-action 'self'");
        expect(page).toContain('<form method="post" action="/#composer"');
        expect(page).toContain('value="/api/x?a=1"');
        expect(page).toContain('value="api://fn"');
        expect(page).not.toContain('secret-key-1234567890');
        const csrf = csrfOf(page);
        const host = new URL(url).host;
        const res = await post(url, form({ csrf, target: 'site:fn', method: 'POST', path: '/api/x', headers: 'X-A: 1\nX-B:two', 'token-for': 'mi:abc', resource: 'api://fn', body: '{}' }), { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
        const shown = await res.body.text();
        expect(res.statusCode).toBe(200);
        expect(sent).toEqual([{ target: 'site:fn', scheme: 'https', method: 'POST', path: '/api/x', headers: [['X-A', '1'], ['X-B', 'two']], body: '{}', tokenFor: 'mi:abc', resource: 'api://fn' }]);
        expect(shown).toContain('id="composer-result"');
        expect(shown).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        expect(shown).not.toContain('<script>');
        expect(shown).toContain('&lt;b&gt;h&lt;/b&gt;');
        expect(shown).toContain('Decided by: site fn, audience: aud &#39;&lt;x&gt;&#39; is not allowed');
        expect(shown).toMatch(/Decision record<\/h4><pre class="decisions">[^<]*audience/);
        expect(shown).toContain('<summary>Sent headers (2)</summary>');
        // What was typed stays in the form.
        expect(shown).toContain('X-A: 1\nX-B:two</textarea>');
      });
    });

    it('over http: the form\'s scheme reaches the request sent', async () => {
      sent.length = 0;
      await serve(source('secret-key-1234567890'), async (url) => {
        const page = await (await request(`${url}/`, { headers: { cookie: 'trustline-console=secret-key-1234567890' } })).body.text();
        expect(page).toContain('<select name="scheme"><option value="https" selected>https</option><option value="http">http</option></select>');
        const res = await post(url, form({ csrf: csrfOf(page), target: 'site:fn', scheme: 'http', method: 'GET', path: '/api/x' }));
        const shown = await res.body.text();
        expect(sent.map((r) => r.scheme)).toEqual(['http']);
        expect(shown).toContain('<option value="http" selected>http</option>');
      });
    });

    it('a "replay" link of the last requests fills the composer with that request, its secrets left out and said; escaped', async () => {
      await serve(source('secret-key-1234567890'), async (url) => {
        const cookie = { cookie: 'trustline-console=secret-key-1234567890' };
        const home = await (await request(`${url}/`, { headers: cookie })).body.text();
        expect(home).toContain('<a class="replay" href="?replay=s1#composer">replay</a>');
        const filled = await (await request(`${url}/?replay=s1`, { headers: cookie })).body.text();
        expect(filled).toContain('<option value="site:fn" selected>site fn (fn.azurewebsites.net)</option>');
        expect(filled).toContain('<option value="http" selected>http</option>');
        expect(filled).toContain('name="method" value="PUT"');
        expect(filled).toContain('name="path" value="/api/x?a=&lt;1&gt;"');
        expect(filled).toContain('>Content-Type: application/json\nX-Tag: &quot;q&quot;</textarea>');
        expect(filled).toContain('>{&quot;b&quot;:&quot;&lt;/textarea&gt;&quot;}</textarea>');
        expect(filled).toContain('Replaying request <code>s1</code> (<code>PUT http://fn.azurewebsites.net/api/x?a=&lt;1&gt;</code>). Left out (secrets): header Authorization, query code; attach a token of the twin below instead.');
        const gone = await (await request(`${url}/?replay=old`, { headers: cookie })).body.text();
        expect(gone).toContain('The twin no longer keeps request <code>old</code>');
      });
    });

    it('refuses a POST without the CSRF token, from another origin or site, not form-encoded, or too large; a bad header line is said', async () => {
      sent.length = 0;
      await serve(source('secret-key-1234567890'), async (url) => {
        const page = await (await request(`${url}/`, { headers: { cookie: 'trustline-console=secret-key-1234567890' } })).body.text();
        const csrf = csrfOf(page);
        const fields = { csrf, target: 'site:fn', method: 'GET', path: '/' };
        const status = async (r: Promise<Awaited<ReturnType<typeof request>>>) => {
          const x = await r;
          return { status: x.statusCode, text: await x.body.text() };
        };
        expect((await status(post(url, form({ ...fields, csrf: 'forged' })))).status).toBe(403);
        expect((await status(post(url, form(fields), { origin: 'https://evil.example' }))).status).toBe(403);
        expect((await status(post(url, form(fields), { origin: 'null' }))).status).toBe(403);
        expect((await status(post(url, form(fields), { 'sec-fetch-site': 'cross-site' }))).status).toBe(403);
        expect((await status(post(url, form(fields), { 'content-type': 'text/plain' }))).status).toBe(403);
        expect((await status(post(url, form({ ...fields, body: 'x'.repeat(300 * 1024) })))).status).toBe(413);
        // Without the console's cookie, nothing: 401.
        expect((await status(request(`${url}/`, { method: 'POST', body: form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded' } }))).status).toBe(401);
        const bad = await status(post(url, form({ ...fields, headers: 'X-A: 1\nno colon here' })));
        expect(bad.status).toBe(200);
        expect(bad.text).toContain('Header line 2 is not &#39;Name: value&#39;: no colon here');
        expect(sent).toEqual([]);
      });
    });
  
    it('with an open control plane (--no-auth), the CSRF token comes from a secret of the process: one console\'s token does not open another', async () => {
      sent.length = 0;
      let foreign = '';
      await serve(source(undefined), async (url) => {
        foreign = csrfOf(await (await request(`${url}/`)).body.text());
      });
      await serve(source(undefined), async (url) => {
        const csrf = csrfOf(await (await request(`${url}/`)).body.text());
        expect(csrf).not.toBe(foreign);
        const send = (token: string) => request(`${url}/`, { method: 'POST', body: form({ csrf: token, target: 'site:fn', method: 'GET', path: '/' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        expect((await send(foreign)).statusCode).toBe(403);
        expect((await send(csrf)).statusCode).toBe(200);
        expect(sent).toHaveLength(1);
      });
    });
  });
});
