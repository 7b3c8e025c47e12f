import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTwinError } from '../../src/core/index.js';
import { matchUrlTemplate, parseUrlTemplate } from '../../src/gateway/index.js';
import { close, seedConfig, startBackend, startGateway } from './helpers.js';

const refused = (t: string) => {
  try {
    parseUrlTemplate(t, { file: 'ops.json', line: 7, column: 3 });
  } catch (e) {
    if (isTwinError(e)) return e;
    throw e;
  }
  throw new Error(`'${t}' was accepted`);
};

describe('operation urlTemplate shape (validated when deployed)', () => {
  it('refuses several {*x} wildcards, a wildcard that is not the whole last segment, adjacent or repeated names', () => {
    for (const [t, msg] of [
      ['/{*a}/{*b}/{*c}', 'valid only as the whole last path segment'],
      ['/{*a}/x', 'valid only as the whole last path segment'],
      ['/files/x{*rest}', 'valid only as the whole last path segment'],
      ['/{a}{b}', 'must be separated by a literal'],
      ['/{id}/x/{ID}', "the parameter 'ID' appears more than once"],
      ['/a//b', 'empty path segment'],
      ['/a/{b', "'{' is not closed"],
      ['/a/b}', "'}' without '{'"],
      ['/a?x={*y}', 'wildcard is not allowed in the query'],
      ['/' + 'a'.repeat(1001), 'longer than 1000'],
    ] as const) {
      const e = refused(t);
      expect(e.code).toBe('ERR_APIM_URL_TEMPLATE');
      expect(e.message).toContain(msg);
      expect(e.location).toEqual({ file: 'ops.json', line: 7, column: 3 });
    }
  });

  it('accepts literal, parameter, compound-segment, trailing-wildcard and query templates', () => {
    for (const t of ['/', '/hello', '/users/{id}', '/files/{*path}', '/{*path}', '/items({id})', '/{name}.{ext}', '/get?a={b}', '/users/{id=1}']) {
      expect(() => parseUrlTemplate(t)).not.toThrow();
    }
  });
});

describe('operation urlTemplate matching', () => {
  const m = (t: string, p: string) => {
    const r = matchUrlTemplate(parseUrlTemplate(t), p);
    return r ? Object.fromEntries(r) : undefined;
  };
  it('matches segments case-insensitively, decodes parameters, allows one trailing slash', () => {
    expect(m('/hello', '/hello')).toEqual({});
    expect(m('/hello', '/HELLO/')).toEqual({});
    expect(m('/hello', '/hello//')).toBeUndefined();
    expect(m('/hello', '/hello/x')).toBeUndefined();
    expect(m('/users/{id}', '/users/a%20b')).toEqual({ id: 'a b' });
    expect(m('/users/{id}', '/users')).toBeUndefined();
    expect(m('/users/{id}', '/users/')).toBeUndefined();
    expect(m('/', '')).toEqual({});
    expect(m('/', '/')).toEqual({});
    expect(m('/', '/x')).toBeUndefined();
  });
  it('a trailing {*x} takes the rest of the path, including nothing', () => {
    expect(m('/files/{*path}', '/files/a/b/c.txt')).toEqual({ path: 'a/b/c.txt' });
    expect(m('/files/{*path}', '/files/')).toEqual({ path: '' });
    expect(m('/files/{*path}', '/files')).toEqual({ path: '' });
    expect(m('/files/{*path}', '/filesx/a')).toBeUndefined();
    expect(m('/{*path}', '/a/b')).toEqual({ path: 'a/b' });
  });
  it('compound segments: a variable ends at the literal that follows it', () => {
    expect(m('/items({id})', '/items(42)')).toEqual({ id: '42' });
    expect(m('/{name}.{ext}', '/a.b.json')).toEqual({ name: 'a', ext: 'b.json' });
    expect(m('/{name}.json', '/a.b.json')).toEqual({ name: 'a.b' });
    expect(m('/{a}x', '/axbx')).toEqual({ a: 'axb' });
    expect(m('/{name}.json', '/.json')).toBeUndefined();
  });
});

describe('a long path against parameterised templates answers at once (issue 8: 8 s freeze)', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  beforeAll(async () => { backend = await startBackend(); });
  afterAll(async () => { await close(backend.server); });

  it('long paths against compound and wildcard templates: 404 or a match, never a hang', async () => {
    const cfg = seedConfig({}, '<policies><inbound><base/></inbound></policies>');
    cfg.apis[0]!.operations = [
      { id: 'op-a', name: 'a', method: 'GET', urlTemplate: '/{a}-{b}-{c}-{d}-{e}.end' },
      { id: 'op-b', name: 'b', method: 'GET', urlTemplate: '/x/{*rest}' },
    ];
    const g = await startGateway(cfg, backend.origin);
    try {
      const long = '-'.repeat(1000);
      const res = await fetch(`${g.origin}/functions/${long}`);
      expect(res.status).toBe(404);
      const ok = await fetch(`${g.origin}/functions/x/${'a/'.repeat(1500)}`);
      expect(ok.status).toBe(200);
      expect(backend.seen.at(-1)!.url).toBe(`/api/x/${'a/'.repeat(1500)}`);
    } finally {
      await g.stop();
    }
  });

  it('compileService refuses a service whose operation template has several wildcards', async () => {
    const cfg = seedConfig({}, '<policies><inbound><base/></inbound></policies>');
    cfg.apis[0]!.operations = [{ id: 'op-w', name: 'w', method: 'GET', urlTemplate: '/{*a}/{*b}/{*c}' }];
    await expect(startGateway(cfg, backend.origin)).rejects.toMatchObject({ code: 'ERR_APIM_URL_TEMPLATE', location: { file: 'op-w' } });
  });
});
