// No operation matched (docs/behaviour/apim.md §1.4): the API's on-error runs with LastError configuration /
// OperationNotFound, and context.Request.Url is the URL the client called, as Microsoft's snippet "Return HTTP 405 if
// the HTTP Method of the request is not defined" relies on; a routed request's Url is the backend's.
import { describe, expect, it } from 'vitest';
import { run } from './policies/run.js';

const op = '<policies><inbound><base/></inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>';
const api = `<policies><inbound><base /></inbound><backend><base /></backend><outbound><base /></outbound>
  <on-error><base />
    <choose>
      <when condition="@(context.LastError.Source == "configuration" &amp;&amp; context.Request.Url.Path == "/echo/resource-cached")">
        <return-response><set-status code="405" reason="Method not allowed" />
          <set-body>@{ return new JObject(new JProperty("status", "HTTP 405"), new JProperty("message", "Method not allowed")).ToString(); }</set-body>
        </return-response>
      </when>
    </choose>
  </on-error></policies>`;
const rq = (method: string) => ({ method, url: 'https://contoso.azure-api.net/echo/resource-cached?x=1', api: { path: 'echo', serviceUrl: 'https://echo.example.net/api' }, operation: { method: 'POST', urlTemplate: '/resource-cached' } });

describe('a request no operation matches', () => {
  it("the API's on-error sees the client's URL and turns the 404 into Microsoft's 405", async () => {
    const r = await run(op, rq('GET'), { parent: api });
    expect(r.status).toBe(405);
    expect(JSON.parse(r.body)).toEqual({ status: 'HTTP 405', message: 'Method not allowed' });
    expect(r.backendRequest).toBeNull();
  });

  it("Url is the client's in on-error; a routed request's is the backend's", async () => {
    const probe = '<policies><inbound><base/></inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/><return-response><set-status code="418" reason="x"/><set-body>@(context.Request.Url.ToString() + "|" + context.LastError.Reason)</set-body></return-response></on-error></policies>';
    const missed = await run(op, rq('GET'), { parent: probe });
    expect(missed.body).toBe('https://contoso.azure-api.net/echo/resource-cached?x=1|OperationNotFound');
    const routed = await run('<policies><inbound><set-header name="X-U" exists-action="override"><value>@(context.Request.Url.ToString())</value></set-header></inbound><backend><forward-request/></backend></policies>', rq('POST'));
    expect(routed.backendRequest!.headers['x-u']).toBe('https://echo.example.net/api/resource-cached?x=1');
  });
});
