import type { Context, Drop, Emitter, FilterImplOptions, Liquid, Parser, TagToken, Template, TopLevelToken, ValueToken } from 'liquidjs';
import { requireOnFirstUse, TwinError } from '../../core/index.js';
import { DateTimeV, parseDateText } from '../expressions/lib-datetime.js';
import { formatNumber } from '../expressions/lib-format.js';
import { regexReplace } from '../expressions/lib-text.js';
import type { HeaderMap, MutableUrl } from '../expressions/host.js';
import { xmlToJsonValue } from './xml-json.js';

/**
 * `set-body template="liquid"` (docs/behaviour/apim.md §2): APIM renders Liquid with DotLiquid in "C# mode", so
 * filters are PascalCase (`AtLeast`, not `at_least`) and `Date` takes .NET date formats. The template binds `body`
 * (the message body parsed as JSON or XML by its Content-Type, else its text) and `context.Request` /
 * `context.Response`. Parsed once when the policy loads; rendered per request over plain data (no host objects,
 * no file system: `include`, `render` and `layout` are not tags here).
 */

/** Bounds of one render (docs/limits.md). */
export const LIQUID_LIMITS = { templateChars: 1_000_000, renderMs: 1000, memory: 10_000_000 };

const liquidjs = requireOnFirstUse<typeof import('liquidjs')>('liquidjs');

/** The PascalCase filter names of the policy page, each the Liquid filter of the same meaning. */
const PASCAL: Record<string, string> = {
  Abs: 'abs', Append: 'append', AtLeast: 'at_least', AtMost: 'at_most', Capitalize: 'capitalize', Compact: 'compact', Default: 'default',
  DividedBy: 'divided_by', Downcase: 'downcase', Escape: 'escape', First: 'first', H: 'escape', Join: 'join', Last: 'last', Lstrip: 'lstrip',
  Map: 'map', Minus: 'minus', Modulo: 'modulo', NewlineToBr: 'newline_to_br', Plus: 'plus', Prepend: 'prepend', Remove: 'remove',
  Round: 'round', Rstrip: 'rstrip', Size: 'size', Slice: 'slice',
  Sort: 'sort', Split: 'split', Strip: 'strip', StripHtml: 'strip_html', StripNewlines: 'strip_newlines', Times: 'times', Truncate: 'truncate',
  TruncateWords: 'truncatewords', Uniq: 'uniq', Upcase: 'upcase', UrlDecode: 'url_decode', UrlEncode: 'url_encode',
};

/** A .NET DateTime in the template: prints as DateTime.ToString() (en-US `G`), `Date` formats it. */
interface LiquidDate extends Drop {
  readonly value: DateTimeV;
}

/**
 * The engine and the template's object types, made when the first Liquid template is compiled (liquidjs is loaded
 * then, not with the gateway: most services have no Liquid template).
 */
interface LiquidKit {
  engine: Liquid;
  newDate(value: DateTimeV): LiquidDate;
  isDate(v: unknown): v is LiquidDate;
  newHeaders(headers: HeaderMap): Drop;
  /** An object of the body: its members as parsed, found without case when no member has the exact name. */
  newMap(entries: Record<string, unknown>): Drop;
}
let kit: LiquidKit | undefined;

function liquid(): LiquidKit {
  if (kit) return kit;
  const { Drop: DropBase, Liquid: Engine, Tag: TagBase, evalToken } = liquidjs();
  const engine = new Engine({
    strictFilters: true, strictVariables: false, ownPropertyOnly: true, cache: false, dynamicPartials: false, templates: {},
    parseLimit: LIQUID_LIMITS.templateChars, renderLimit: LIQUID_LIMITS.renderMs, memoryLimit: LIQUID_LIMITS.memory,
  });
  for (const tag of ['include', 'render', 'layout', 'block']) delete (engine.tags as Record<string, unknown>)[tag];
  const builtIn: Record<string, FilterImplOptions> = { ...engine.filters };
  for (const name of Object.keys(engine.filters)) engine.unregisterFilter(name);
  for (const [pascal, name] of Object.entries(PASCAL)) {
    const impl = builtIn[name];
    if (!impl) throw new Error(`liquidjs has no '${name}' filter`);
    engine.registerFilter(pascal, impl);
  }

  class DateDrop extends DropBase implements LiquidDate {
    constructor(readonly value: DateTimeV) { super(); }
    override valueOf(): string { return this.value.netString(); }
    override toString(): string { return this.value.netString(); }
  }

  /**
   * Case-insensitive header access (`context.Request.Headers.Accept`): values joined with commas. A dictionary, so
   * `{% for header in context.Request.Headers %}` gives each header's `Key` (its name as sent) and `Value` (Microsoft's
   * snippet "List all inbound headers").
   */
  class HeadersDrop extends DropBase {
    readonly #headers: HeaderMap;
    constructor(headers: HeaderMap) { super(); this.#headers = headers; }
    override liquidMethodMissing(key: string | number): string | undefined {
      return this.#headers.get(String(key).toLowerCase())?.values.join(',');
    }
    *[Symbol.iterator](): IterableIterator<{ Key: string; Value: string }> {
      for (const h of this.#headers.values()) yield { Key: h.name, Value: h.values.join(',') };
    }
  }

  // DotLiquid 2.0's Replace, ReplaceFirst and RemoveFirst take a .NET regular expression (LegacyFilters, the filters
  // of SyntaxCompatibility.DotLiquid20), which APIM's own SOAP-to-REST templates rely on: `Replace: '\r', '\r'`
  // escapes a carriage return for JSON (a Liquid string has no escapes: the pattern \r matches CR, the replacement is
  // the two characters \ and r), `Replace: '([^\\](\\\\)*)"', '$1\"'` escapes quotes. Remove stays literal.
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  engine.registerFilter('Replace', (v: unknown, pattern?: unknown, rep?: unknown) => (text(v) === '' || text(pattern) === '' ? v : regexReplace(text(pattern), text(v), text(rep))));
  engine.registerFilter('ReplaceFirst', (v: unknown, pattern?: unknown, rep?: unknown) => (text(v) === '' || text(pattern) === '' ? v : regexReplace(text(pattern), text(v), text(rep), 1)));
  engine.registerFilter('RemoveFirst', (v: unknown, pattern?: unknown) => (text(v).trim() === '' || text(pattern) === '' ? v : regexReplace(text(pattern), text(v), '', 1)));

  /**
   * `{% JSONArrayFor item in collection %}…{% endJSONArrayFor %}`: APIM's tag for JSON arrays (its SOAP-to-REST
   * templates write `[ {% JSONArrayFor … %} {…} {% endJSONArrayFor %} ]`): the body rendered once per item, the
   * renderings joined with commas (the brackets are the template's). Those templates name the wrapper element of a
   * list (`…Result.Languages` holding `tLanguage` elements, a WSDL ArrayOfX): an object's items are its child
   * elements, in order, repeated ones each (attributes left out) [obs]; an array is its items; a lone text value is
   * a list of one; nothing (null, absent) renders nothing.
   */
  class JsonArrayForTag extends TagBase {
    private readonly variable: string;
    private readonly collection: ValueToken;
    private readonly templates: Template[] = [];
    constructor(token: TagToken, remain: TopLevelToken[], engineRef: Liquid, parser: Parser) {
      super(token, remain, engineRef);
      const variable = this.tokenizer.readIdentifier();
      const inWord = this.tokenizer.readIdentifier();
      const collection = this.tokenizer.readValue();
      if (!variable.size() || inWord.content !== 'in' || !collection) throw new Error(`illegal tag: ${token.getText()}`);
      this.variable = variable.content;
      this.collection = collection;
      const stream = parser.parseStream(remain)
        .on('tag:endJSONArrayFor', () => stream.stop())
        .on('template', (tpl: Template) => this.templates.push(tpl))
        .on('end', () => { throw new Error(`tag ${token.getText()} not closed`); });
      stream.start();
    }
    * render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
      const v = yield evalToken(this.collection, ctx);
      const items = Array.isArray(v) ? v : v === undefined || v === null || v === '' ? [] : v instanceof DropBase && !kit?.isDate(v) ? childElements(v) : [v];
      const scope: Record<string, unknown> = {};
      ctx.push(scope);
      const parts: string[] = [];
      for (const item of items) {
        scope[this.variable] = item;
        parts.push(String(yield this.liquid.renderer.renderTemplates(this.templates, ctx)));
      }
      ctx.pop();
      emitter.write(parts.join(','));
    }
  }
  engine.registerTag('JSONArrayFor', JsonArrayForTag);
  const childElements = (o: object): unknown[] =>
    Object.entries(o).filter(([k]) => !k.startsWith('@') && !k.startsWith('?') && !k.startsWith('#')).flatMap(([, x]) => (Array.isArray(x) ? x : [x]));

  /**
   * APIM's own SOAP-to-REST templates read a SOAP answer as `body.envelope.body.GetThingResponse…` — the envelope's
   * `soap:Envelope`/`soap:Body` reached in lower case, the payload's elements by their local names — and the JSON
   * request as `body.getThing.x` [obs: APIOps extracts of converted SOAP APIs]: a member is looked up by its exact
   * name, else without case [?].
   */
  class MapDrop extends DropBase {
    constructor(entries: Record<string, unknown>) {
      super();
      for (const [k, v] of Object.entries(entries)) if (!(k in DropBase.prototype) && k !== '__proto__') Object.defineProperty(this, k, { value: v, enumerable: true });
    }
    override liquidMethodMissing(key: string | number): unknown {
      const want = String(key).toLowerCase();
      for (const own of Object.keys(this)) if (own.toLowerCase() === want) return (this as unknown as Record<string, unknown>)[own];
      return undefined;
    }
  }

  engine.registerFilter('Date', function (this: { context: { environments: unknown } }, v: unknown, format?: unknown) {
    const lower = String(v ?? '').trim().toLowerCase();
    const d = lower === 'now' || lower === 'today' ? new DateTimeV(nowMs(this), 'Local') : toDate(v);
    if (!d) return v;
    return format === undefined || format === null || format === '' ? d.netString() : d.netString(String(format));
  });
  engine.registerFilter('Currency', (v: unknown) => {
    const n = Number(v);
    return Number.isFinite(n) ? formatNumber(n, 'C', false) : v;
  });
  kit = {
    engine,
    newDate: (value) => new DateDrop(value),
    isDate: (v): v is LiquidDate => v instanceof DateDrop,
    newHeaders: (headers) => new HeadersDrop(headers),
    newMap: (entries) => new MapDrop(entries),
  };
  return kit;
}

function toDate(v: unknown): DateTimeV | undefined {
  if (kit?.isDate(v)) return v.value;
  const text = String(v ?? '').trim();
  if (text.toLowerCase() === 'now' || text.toLowerCase() === 'today') return undefined;
  const p = parseDateText(text);
  return p ? new DateTimeV(p.ms - (p.offset ?? 0) * 60000, p.offset === null ? 'Unspecified' : 'Utc') : undefined;
}

/** The clock of the request (the scope's `__now`, set per render). */
function nowMs(filter: { context: { environments: unknown } }): number {
  const env = filter.context.environments as { __now?: number };
  return env.__now ?? 0;
}

/**
 * DotLiquid's quoted strings have no escapes (`'\r'` is a backslash and an r; a quote ends the string), liquidjs's
 * do: inside the tags and outputs of a template, backslashes in quoted strings are doubled so that liquidjs reads
 * back the very characters DotLiquid reads.
 */
function rawQuotedStrings(text: string): string {
  return text.replace(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g, (markup) => markup.replace(/'[^']*'|"[^"]*"/g, (q) => q.replace(/\\/g, '\\\\')));
}

/** Parse a template at policy load; a Liquid syntax error is a load error with its position. */
export function compileLiquid(text: string): Template[] {
  try {
    return liquid().engine.parse(rawQuotedStrings(text));
  } catch (e) {
    throw new TwinError('ERR_APIM_LIQUID_SYNTAX', `The Liquid template does not parse: ${(e as Error).message.replace(/, file:.*$/, '')}`);
  }
}

function urlData(u: MutableUrl): Record<string, unknown> {
  const query: Record<string, string> = {};
  for (const [k, v] of u.query) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const qs = u.query.length ? `?${u.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '';
  const defaultPort = (u.scheme === 'https' && u.port === 443) || (u.scheme === 'http' && u.port === 80);
  const full = `${u.scheme}://${u.host}${defaultPort ? '' : `:${u.port}`}${u.path}${qs}`;
  return { Scheme: u.scheme, Host: u.host, Port: u.port, Path: u.path, Query: query, QueryString: qs, ToUri: full, ToString: full };
}

export interface LiquidInput {
  body: string;
  contentType: string;
  parseDate: boolean;
  xsiNil: 'blank' | 'null';
  nowMs: number;
  request: { method: string; url: MutableUrl; originalUrl: MutableUrl; headers: HeaderMap; ipAddress: string; matchedParameters: Map<string, string> };
  response: { statusCode: number; statusReason: string; headers: HeaderMap } | null;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$/;

/** JSON with Newtonsoft's date handling: ISO date strings become DateTime unless parse-date="false". */
function withDates(v: unknown, parseDate: boolean): unknown {
  if (typeof v === 'string') {
    if (!parseDate || !ISO_DATE.test(v)) return v;
    const d = toDate(v);
    return d ? liquid().newDate(d) : v;
  }
  if (Array.isArray(v)) return v.map((x) => withDates(x, parseDate));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withDates(x, parseDate)]));
  return v;
}

/** `body` as the template sees it: JSON or XML by Content-Type (`*json` / `*xml`), else the text. */
export function liquidBody(text: string, contentType: string, parseDate: boolean, xsiNil: 'blank' | 'null'): unknown {
  const ct = contentType.split(';')[0]!.trim().toLowerCase();
  if (text === '') return '';
  if (ct === 'application/json' || ct === 'text/json' || ct.endsWith('+json')) {
    try { return members(withDates(JSON.parse(text), parseDate), false); } catch { return text; }
  }
  if (ct === 'application/xml' || ct === 'text/xml' || ct.endsWith('+xml')) {
    try { return members(xmlToJsonValue(text, { xsiNil }), true); } catch { return text; }
  }
  return text;
}

/**
 * The body's objects as the template reads them (MapDrop: exact name, else without case); XML elements and
 * attributes by their local names (`soap$Body` → `Body`, `@xsi$nil` → `@nil`), namespace declarations left out.
 */
function members(v: unknown, xml: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => members(x, xml));
  if (!v || typeof v !== 'object' || liquid().isDate(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (xml && /^@xmlns(\$|$)/.test(k)) continue;
    const name = xml ? k.replace(/^(@?)[^$@]*\$/, '$1') : k;
    if (!(name in out)) out[name] = members(x, xml);
  }
  return liquid().newMap(out);
}

export function renderLiquid(tpl: Template[], input: LiquidInput): string {
  const r = input.request;
  const matched: Record<string, string> = Object.fromEntries(r.matchedParameters);
  const scope = {
    __now: input.nowMs,
    body: liquidBody(input.body, input.contentType, input.parseDate, input.xsiNil),
    context: {
      Request: {
        Method: r.method, Url: urlData(r.url), OriginalUrl: urlData(r.originalUrl), Headers: liquid().newHeaders(r.headers),
        IpAddress: r.ipAddress, MatchedParameters: matched, HasBody: input.body !== '',
      },
      Response: input.response
        ? { StatusCode: input.response.statusCode, StatusReason: input.response.statusReason, Headers: liquid().newHeaders(input.response.headers) }
        : null,
    },
  };
  return String(liquid().engine.renderSync(tpl, scope));
}
