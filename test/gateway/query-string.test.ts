// The query string the gateway forwards (docs/behaviour/apim.md §1.7): rebuilt from context.Request.Url.Query, a
// dictionary of name → values, with RFC 3986 data escaping — through `policy run`'s pipeline, as the gateway runs it.
import { describe, expect, it } from 'vitest';
import { escapeData, queryString, replaceQueryValues } from '../../src/gateway/pipeline/query-string.js';
import { inbound, run } from './policies/run.js';
import type { GatewayCompatFlags } from '../../src/gateway/index.js';

const call = async (policy: string, path: string, urlTemplate = '/p', flags: Partial<GatewayCompatFlags> = {}) => {
  const r = await run(inbound(policy), { url: `https://apim.azure-api.net${path}`, api: { serviceUrl: 'https://backend.example.net' }, operation: { urlTemplate } }, { flags });
  return r.backendRequest!.url;
};

describe('forwarded query string', () => {
  it("a name's values stand together at its first place; names keep their order", async () => {
    expect(await call('', '/p?a=1&b=2&a=3')).toBe('https://backend.example.net/p?a=1&a=3&b=2');
    expect(await call('', '/p?b=2&a=1&b=')).toBe('https://backend.example.net/p?b=2&b=&a=1');
  });

  it("names and values are escaped as RFC 3986 data: + is a space (%20), ' ( ) * ! : / ? are escaped, - . _ ~ are not", async () => {
    expect(await call('', "/p?x=http://e.com/a?b&y=a+b&z=%2B&g=it's(*)!~-._")).toBe("https://backend.example.net/p?x=http%3A%2F%2Fe.com%2Fa%3Fb&y=a%20b&z=%2B&g=it%27s%28%2A%29%21~-._");
  });

  it('a name without a value is sent as name=; an invalid escape is data (%25); UTF-8 is kept', async () => {
    expect(await call('', '/p?flag&empty=&k=%zz&%C3%A9=%E2%82%AC')).toBe('https://backend.example.net/p?flag=&empty=&k=%25zz&%C3%A9=%E2%82%AC');
  });

  it('context.Request.Url.QueryString is what the backend gets', async () => {
    const r = await run(inbound('<set-header name="X-Q" exists-action="override"><value>@(context.Request.Url.QueryString)</value></set-header>'),
      { url: "https://apim.azure-api.net/p?a=1&b=x+y&a=(2)", api: { serviceUrl: 'https://backend.example.net' }, operation: { urlTemplate: '/p' } });
    expect(r.backendRequest!.headers['x-q']).toBe('?a=1&a=%282%29&b=x%20y');
    expect(r.backendRequest!.url).toBe('https://backend.example.net/p?a=1&a=%282%29&b=x%20y');
  });
});

describe('set-query-parameter on the dictionary', () => {
  const sqp = (name: string, action: string, ...values: string[]) =>
    `<set-query-parameter name="${name}" exists-action="${action}">${values.map((v) => `<value>${v}</value>`).join('')}</set-query-parameter>`;

  it('override sets the values where the name stands; a new name goes last', async () => {
    expect(await call(sqp('a', 'override', '9'), '/p?a=1&b=2&a=3')).toBe('https://backend.example.net/p?a=9&b=2');
    expect(await call(sqp('b', 'override', 'x', 'y'), '/p?a=1&b=2&c=3')).toBe('https://backend.example.net/p?a=1&b=x&b=y&c=3');
    expect(await call(sqp('n', 'override', 'a b&amp;c'), '/p?a=1')).toBe('https://backend.example.net/p?a=1&n=a%20b%26c');
  });

  it('append adds to the name\'s values, skip only for a new name, delete removes every value', async () => {
    expect(await call(sqp('a', 'append', '4'), '/p?a=1&b=2')).toBe('https://backend.example.net/p?a=1&a=4&b=2');
    expect(await call(sqp('a', 'skip', '4') + sqp('c', 'skip', '5'), '/p?a=1&b=2')).toBe('https://backend.example.net/p?a=1&b=2&c=5');
    expect(await call(sqp('a', 'delete'), '/p?a=1&b=2&a=3')).toBe('https://backend.example.net/p?b=2');
  });
});

describe('rewrite-uri with a query', () => {
  it('a {param} in the template\'s query is one value: its & and = are data', async () => {
    expect(await call('<rewrite-uri template="/r?x={id}&amp;y=1" />', '/p/a%26b%3Dc?z=1', '/p/{id}')).toBe('https://backend.example.net/r?x=a%26b%3Dc&y=1&z=1');
  });

  it('compat flag rewriteUriQueryParameter: one-value by default (& = + are data), textual reads the value as query text', async () => {
    const policy = '<rewrite-uri template="/r?x={id}&amp;y=1" />';
    // one-value (default, and named): the value goes on whole, escaped.
    for (const flags of [{}, { rewriteUriQueryParameter: 'one-value' as const }]) {
      expect(await call(policy, '/p/a%26b%3Dc?z=1', '/p/{id}', flags)).toBe('https://backend.example.net/r?x=a%26b%3Dc&y=1&z=1');
      expect(await call(policy, '/p/a+b', '/p/{id}', flags)).toBe('https://backend.example.net/r?x=a%2Bb&y=1');
    }
    // textual: the value's & starts another parameter, its = splits it, its + is a space.
    const textual = { rewriteUriQueryParameter: 'textual' as const };
    expect(await call(policy, '/p/a%26b%3Dc?z=1', '/p/{id}', textual)).toBe('https://backend.example.net/r?x=a&b=c&y=1&z=1');
    expect(await call(policy, '/p/a+b', '/p/{id}', textual)).toBe('https://backend.example.net/r?x=a%20b&y=1');
    // The path part is the same under both settings.
    expect(await call('<rewrite-uri template="/r/{id}" copy-unmatched-params="false" />', '/p/a%3Fb', '/p/{id}', textual)).toBe('https://backend.example.net/r/a%3Fb');
  });

  it('a {param} in the template\'s path does not start a query', async () => {
    expect(await call('<rewrite-uri template="/r/{id}" copy-unmatched-params="false" />', '/p/a%3Fb', '/p/{id}')).toBe('https://backend.example.net/r/a%3Fb');
  });

  it("the template's parameters come first, then the request's unmatched ones (a name the template sets is not copied)", async () => {
    expect(await call('<rewrite-uri template="/r?a=t&amp;b=u" />', '/p?c=3&a=1', '/p')).toBe('https://backend.example.net/r?a=t&b=u&c=3');
  });
});

describe('query-string helpers', () => {
  it('escapeData leaves only A-Z a-z 0-9 - . _ ~, upper-case hex of UTF-8 bytes', () => {
    expect(escapeData("aZ09-._~ !*'()/?#[]@$&+,;=%é")).toBe('aZ09-._~%20%21%2A%27%28%29%2F%3F%23%5B%5D%40%24%26%2B%2C%3B%3D%25%C3%A9');
  });

  it('queryString groups, replaceQueryValues replaces in place', () => {
    expect(queryString([['a', '1'], ['b', ''], ['a', '2']])).toBe('a=1&a=2&b=');
    expect(queryString([])).toBe('');
    expect(replaceQueryValues([['x', '0'], ['a', '1'], ['b', '2'], ['a', '3']], 'a', ['9'])).toEqual([['x', '0'], ['a', '9'], ['b', '2']]);
    expect(replaceQueryValues([['b', '2']], 'a', ['9'])).toEqual([['b', '2'], ['a', '9']]);
  });
});
