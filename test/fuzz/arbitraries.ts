import fc from 'fast-check';

/**
 * Input generators for the policy-expression and policy-XML fuzzers: grammar-shaped C# (valid and nearly valid),
 * token soup, raw text, and mutations of realistic seeds. Bounded sizes keep each input small; the limits tests cover
 * the large inputs.
 */

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);

const NAMES = ['context', 'x', 'i', 'value', 'string', 'String', 'int', 'Math', 'Convert', 'Encoding', 'Guid', 'DateTime', 'DateTimeOffset',
  'TimeSpan', 'JObject', 'JArray', 'JToken', 'JsonConvert', 'Regex', 'Uri', 'WebUtility', 'Enumerable', 'StringComparison', 'System', 'Object', 'var',
  'X509Certificate2', 'RSA', 'RSACng', 'Oid', 'HashAlgorithmName', 'RSASignaturePadding', 'RSAEncryptionPadding', 'X509ContentType', 'X509NameType',
  'Environment', 'Process', 'constructor', '__proto__', 'prototype', 'globalThis', 'eval', 'Function', 'this', 'base', 'typeof', 'default', 'new', 'null', 'true', 'false'];
const MEMBERS = ['Request', 'Response', 'Variables', 'Headers', 'Body', 'Url', 'Query', 'Method', 'Path', 'Host', 'Length', 'Count', 'Value', 'ToString',
  'Replace', 'Split', 'Substring', 'GetValueOrDefault', 'ContainsKey', 'As', 'AsJwt', 'AsBasic', 'Parse', 'Select', 'Where', 'First', 'FirstOrDefault',
  'Any', 'ToArray', 'ToList', 'Join', 'Concat', 'PadLeft', 'ToLower', 'ToUpper', 'Trim', 'Equals', 'IndexOf', 'NewGuid', 'UtcNow', 'AddSeconds',
  'FromBase64String', 'ToBase64String', 'UTF8', 'GetBytes', 'GetString', 'LastError', 'Reason', 'Message', 'Api', 'Operation', 'Subscription', 'User',
  'Product', 'Deployment', 'RequestId', 'Elapsed', 'MatchedParameters', 'OriginalUrl', 'StatusCode', 'constructor', '__proto__', 'prototype', 'call',
  'apply', 'bind', 'valueOf', 'toString', 'hasOwnProperty', 'Item', 'Keys', 'Values', 'Properties', 'SelectToken', 'Add', 'Remove', 'Max', 'Min',
  'GetRSAPrivateKey', 'GetRSAPublicKey', 'SignData', 'SignHash', 'VerifyData', 'Encrypt', 'Decrypt', 'Export', 'GetNameInfo', 'Certificates', 'Thumbprint',
  'SignatureAlgorithm', 'PublicKey', 'Pkcs1', 'OaepSHA256', 'SHA256'];
const TYPES = ['string', 'int', 'long', 'bool', 'double', 'object', 'JObject', 'JArray', 'JToken', 'IResponse', 'Jwt', 'string[]', 'byte[]', 'int?',
  'List<string>', 'Dictionary<string, object>', 'DateTime', 'Guid', 'var', 'T', 'System.IO.File', 'RSACng', 'X509Certificate2', 'RSA'];
const BINOPS = ['+', '-', '*', '/', '%', '<', '>', '<=', '>=', '==', '!=', '&&', '||', '??', '&', '|', '^', '<<', '>>'];
const UNOPS = ['!', '-', '+', '~', '++', '--'];

const stringLit = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.string({ maxLength: 8 }).map((s) => `@"${s.replaceAll('"', '""')}"`),
  pick(['"a"', '""', '"\\n"', '"\\u0041"', '"{{nv}}"', '"a,b,c"', '"Bearer x"', '"2024-01-02T03:04:05Z"', '"{\\"a\\":1}"', '"<a/>"', '"x"', '"aa"']),
);
const literal = fc.oneof(
  fc.integer({ min: -3, max: 40 }).map(String),
  pick(['0', '1', '2147483647', '-2147483648', '9999999999L', '1.5', '0.0', '1e308', '3m', "'a'", "'\\n'", 'true', 'false', 'null', '0x1F']),
  stringLit,
);

/** Grammar-shaped expressions (most are type-incorrect, which is the point). */
export const csExpression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal,
    pick(NAMES),
    fc.tuple(tie('e'), pick(MEMBERS)).map(([a, m]) => `${a}.${m}`),
    fc.tuple(tie('e'), pick(MEMBERS)).map(([a, m]) => `${a}?.${m}`),
    fc.tuple(tie('e'), pick(MEMBERS), fc.array(tie('e'), { maxLength: 3 })).map(([a, m, args]) => `${a}.${m}(${args.join(', ')})`),
    fc.tuple(tie('e'), pick(MEMBERS), pick(TYPES), fc.array(tie('e'), { maxLength: 2 })).map(([a, m, t, args]) => `${a}.${m}<${t}>(${args.join(', ')})`),
    fc.tuple(tie('e'), tie('e')).map(([a, i]) => `${a}[${i}]`),
    fc.tuple(tie('e'), tie('e')).map(([a, i]) => `${a}?[${i}]`),
    fc.tuple(tie('e'), pick(BINOPS), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(pick(UNOPS), tie('e')).map(([op, a]) => `${op}${a}`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `${a} ? ${b} : ${c}`),
    fc.tuple(pick(TYPES), tie('e')).map(([t, a]) => `(${t})${a}`),
    fc.tuple(tie('e'), pick(['is', 'as']), pick(TYPES)).map(([a, k, t]) => `${a} ${k} ${t}`),
    tie('e').map((a) => `(${a})`),
    fc.tuple(pick(['x', 'y', '(x, y)', '(string s)']), tie('e')).map(([p, b]) => `${p} => ${b}`),
    fc.tuple(pick(TYPES), fc.array(tie('e'), { maxLength: 3 })).map(([t, args]) => `new ${t}(${args.join(', ')})`),
    fc.array(tie('e'), { maxLength: 3 }).map((xs) => `new[] { ${xs.join(', ')} }`),
    fc.array(fc.tuple(pick(['a', 'b', 'Name']), tie('e')), { maxLength: 3 }).map((ps) => `new { ${ps.map(([k, v]) => `${k} = ${v}`).join(', ')} }`),
    fc.array(fc.tuple(fc.string({ maxLength: 5 }), fc.option(tie('e'), { nil: undefined }), fc.option(pick(['N2', 'D4', 'yyyy-MM-dd', 'X', '0.00']), { nil: undefined })), { maxLength: 3 })
      .map((parts) => `$"${parts.map(([s, e, f]) => s.replace(/["\\{}\n]/g, '') + (e ? `{${e}${f ? ':' + f : ''}}` : '')).join('')}"`),
    pick(TYPES).map((t) => `typeof(${t})`),
    pick(TYPES).map((t) => `default(${t})`),
  ),
})).e;

/** `@{ … }` bodies: statements built from expressions. */
export const csStatements: fc.Arbitrary<string> = fc.letrec<{ s: string }>((tie) => ({
  s: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    csExpression.map((e) => `return ${e};`),
    fc.tuple(pick(TYPES), pick(['x', 'y', 'i']), csExpression).map(([t, n, e]) => `${t} ${n} = ${e};`),
    fc.tuple(pick(['x', 'y', 'i']), pick(['=', '+=', '-=', '*=', '/=', '??=']), csExpression).map(([n, op, e]) => `${n} ${op} ${e};`),
    pick(['i++;', '--i;', 'break;', 'continue;', 'return;', ';', 'throw new Exception("x");']),
    fc.tuple(csExpression, tie('s'), fc.option(tie('s'), { nil: undefined })).map(([c, a, b]) => `if (${c}) { ${a} }${b ? ` else { ${b} }` : ''}`),
    fc.tuple(csExpression, tie('s')).map(([c, a]) => `while (${c}) { ${a} }`),
    fc.tuple(tie('s'), csExpression).map(([a, c]) => `do { ${a} } while (${c});`),
    fc.tuple(csExpression, tie('s')).map(([c, a]) => `for (var i = 0; ${c}; i++) { ${a} }`),
    fc.tuple(csExpression, tie('s')).map(([c, a]) => `foreach (var x in ${c}) { ${a} }`),
    fc.tuple(tie('s'), tie('s')).map(([a, b]) => `try { ${a} } catch (Exception ex) { ${b} } finally { }`),
    fc.tuple(csExpression, tie('s')).map(([c, a]) => `switch (${c}) { case 1: ${a} break; default: return 0; }`),
    fc.tuple(csExpression, tie('s')).map(([c, a]) => `using (var x = ${c}) { ${a} }`),
    fc.array(tie('s'), { maxLength: 4 }).map((xs) => `{ ${xs.join(' ')} }`),
    tie('s').map((a) => `unchecked { ${a} }`),
    // local functions: typed, void, expression-bodied, recursive (the name F may be called from anywhere)
    fc.tuple(pick(['int', 'string', 'void', 'object', 'bool']), pick(['', 'int x', 'string x, int y']), tie('s')).map(([t, ps, b]) => `${t} F(${ps}) { ${b} }`),
    fc.tuple(pick(['int', 'string', 'object']), pick(['', 'int x']), csExpression).map(([t, ps, e]) => `${t} F(${ps}) => ${e};`),
    fc.tuple(pick(['', 'x', '1', 'x - 1', 'y, x']), pick(['return F(', 'F(', 'x = F('])).map(([a, c]) => `${c}${a});`),
  ),
})).s;

/** Well-shaped programs: `@( expression )` and `@{ statements }`. */
export const csProgram: fc.Arbitrary<string> = fc.oneof(
  csExpression.map((e) => `@(${e})`),
  fc.array(csStatements, { minLength: 1, maxLength: 5 }).map((ss) => `@{ ${ss.join('\n')} }`),
);

const TOKENS = ['(', ')', '{', '}', '[', ']', '<', '>', '"', "'", '$"', '@"', '$@"', '{{', '}}', '=>', '?.', '??', '?', ':', ';', ',', '.', '=', '+', '++', '-',
  '*', '/', '//', '/*', '*/', '\\', '\n', ' ', 'x', 'new', 'var', 'return', 'if', 'else', 'for', 'while', 'context', 'string', 'JObject', '<JObject>', '0',
  '1.5', 'out', 'ref', 'is', 'as', 'typeof', '@', '#', '`', '\u0000', '\ud800', '\u2028', 'é'];

/** Token soup: the lexer and the parser's error paths. */
export const tokenSoup: fc.Arbitrary<string> = fc.tuple(pick(['@(', '@{']), fc.array(pick(TOKENS), { maxLength: 30 }), pick([')', '}', '']))
  .map(([open, toks, close]) => open + toks.join('') + close);

/** Arbitrary text between the markers. */
export const rawText: fc.Arbitrary<string> = fc.tuple(pick(['@(', '@{', '@', '']), fc.string({ unit: 'binary', maxLength: 40 }), pick([')', '}', '']))
  .map(([a, b, c]) => a + b + c);

/** Apply a few insert/delete/replace edits to a seed text. */
export function mutate(seeds: readonly string[], alphabet: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(pick(seeds), fc.array(fc.tuple(fc.nat(), pick(['ins', 'del', 'rep'] as const), pick(alphabet)), { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) => {
      let s = seed;
      for (const [at, op, text] of edits) {
        const i = s.length === 0 ? 0 : at % s.length;
        s = op === 'ins' ? s.slice(0, i) + text + s.slice(i) : op === 'del' ? s.slice(0, i) + s.slice(i + 1 + (at % 5)) : s.slice(0, i) + text + s.slice(i + 1);
      }
      return s;
    });
}

/** Realistic expression seeds (shapes found in Microsoft's policy snippets). */
export const EXPRESSION_SEEDS = [
  '@(context.Request.Headers.GetValueOrDefault("Authorization", "").Split(\' \').Last())',
  '@((string)context.Variables["token"])',
  '@(context.Request.Body.As<JObject>(preserveContent: true)["id"].ToString())',
  '@{ var jwt = context.Request.Headers.GetValueOrDefault("Authorization","").AsJwt(); return jwt?.Subject ?? "anonymous"; }',
  '@($"{context.Api.Name}/{context.Operation.Id}:{DateTime.UtcNow:yyyy-MM-dd}")',
  '@(context.Variables.GetValueOrDefault<int>("count", 0) + 1)',
  '@(Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pass")))',
  '@(new JObject(new JProperty("a", 1), new JProperty("b", "x")).ToString())',
  '@(context.Request.Url.Query.GetValueOrDefault("q", "").Split(\',\').Where(x => x.Length > 0).Select(x => x.Trim()).ToArray().Length)',
  '@{ int total = 0; for (var i = 0; i < 10; i++) { total += i; } if (total > 40) { return "big"; } else { return "small"; } }',
  '@{ try { return int.Parse("x"); } catch (Exception) { return -1; } }',
  '@(context.LastError != null ? context.LastError.Reason : "none")',
  '@{ var c = new X509Certificate2(Convert.FromBase64String("MIIBAzADAgEDMAA="), (string)null); RSACng rsa = c.GetRSAPrivateKey() as RSACng; return Convert.ToBase64String(rsa.SignData(new byte[] { 1 }, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)); }',
  '@(DateTime.UtcNow.AddSeconds((string)context.Variables["ttl"]).ToString("u"))',
];

export const expressionInputs: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: csProgram, weight: 5 },
  { arbitrary: tokenSoup, weight: 2 },
  { arbitrary: rawText, weight: 1 },
  { arbitrary: mutate(EXPRESSION_SEEDS, TOKENS), weight: 3 },
);

// ---------------------------------------------------------------------------------------------------------------
// Policy XML

const POLICY_NAMES = ['set-header', 'set-variable', 'set-body', 'choose', 'when', 'otherwise', 'return-response', 'set-status', 'base', 'forward-request',
  'rewrite-uri', 'check-header', 'set-query-parameter', 'trace', 'mock-response', 'include-fragment', 'authentication-managed-identity', 'value', 'x', 'inbound',
  'policies', 'fragment', 'a:b', 'validate-jwt', 'send-request'];
const ATTR_NAMES = ['name', 'value', 'condition', 'exists-action', 'code', 'reason', 'template', 'resource', 'id', 'xmlns', 'xmlns:x', 'output-token-variable-name',
  'timeout', 'ignore-error', 'response-variable-name', 'mode', 'failed-check-httpcode', 'failed-check-error-message', 'ignore-case', 'source'];

const attrValue = fc.oneof(
  fc.string({ maxLength: 10 }),
  csExpression.map((e) => `@(${e})`),
  csStatements.map((s) => `@{ ${s} }`),
  pick(['override', 'append', 'skip', 'delete', 'true', 'false', '{{nv}}', '{{expr}}', 'X{{nv}}', '@(', '@{', '&quot;', '&lt;&amp;', '&#0;', '&bogus;']),
);

const xmlEscapeAttr = (v: string, raw: boolean) => (raw ? v : v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;'));

const policyElement: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
  el: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(pick(POLICY_NAMES), fc.array(fc.tuple(pick(ATTR_NAMES), attrValue, fc.boolean()), { maxLength: 3 }))
      .map(([n, attrs]) => `<${n}${attrs.map(([k, v, raw]) => ` ${k}="${xmlEscapeAttr(v, raw)}"`).join('')} />`),
    fc.tuple(pick(POLICY_NAMES), fc.array(fc.tuple(pick(ATTR_NAMES), attrValue, fc.boolean()), { maxLength: 3 }), fc.array(tie('el'), { maxLength: 3 }))
      .map(([n, attrs, kids]) => `<${n}${attrs.map(([k, v, raw]) => ` ${k}="${xmlEscapeAttr(v, raw)}"`).join('')}>${kids.join('')}</${n}>`),
    fc.tuple(pick(['value', 'set-body', 'set-url', 'set-method']), attrValue).map(([n, t]) => `<${n}>${t}</${n}>`),
    pick(['<!-- c -->', '<![CDATA[@(1)]]>', '<?pi x?>', 'text', '&amp;', '</unbalanced>', '<open>', '<!DOCTYPE x [<!ENTITY e "x">]>', '&e;']),
  ),
})).el;

const policyDocument: fc.Arbitrary<string> = fc.tuple(
  pick(['', '\ufeff', '<?xml version="1.0" encoding="utf-8"?>', '<!-- head -->']),
  pick(['policies', 'fragment', 'policy']),
  fc.array(fc.tuple(pick(['inbound', 'backend', 'outbound', 'on-error', 'other']), fc.array(policyElement, { maxLength: 4 })), { maxLength: 4 }),
).map(([head, root, sections]) => `${head}<${root}>${root === 'fragment'
  ? sections.flatMap(([, els]) => els).join('')
  : sections.map(([s, els]) => `<${s}>${els.join('')}</${s}>`).join('')}</${root}>`);

export const POLICY_SEEDS = [
  `<policies><inbound><base /><set-header name="X-A" exists-action="override"><value>@(context.Request.Method == "GET" && 1 < 3 ? "a" : "b")</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`,
  `<policies><inbound><choose><when condition="@(context.Request.Headers.ContainsKey(&quot;x&quot;))"><return-response><set-status code="401" reason="No" /></return-response></when><otherwise /></choose></inbound></policies>`,
  `<policies>\n<inbound>\n<set-variable name="v" value="@{ var s = "}"; /* ) */ return $"{s}{{x}}"; }" />\n<set-body>@{ return "<a>" + @"""q""" ; }</set-body>\n</inbound>\n</policies>`,
  `<fragment><set-header name="X-F" exists-action="append"><value>{{nv}}</value><value>@("v")</value></set-header></fragment>`,
  `<policies><inbound><authentication-managed-identity resource="api://x" output-token-variable-name="t" /><set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["t"])</value></set-header></inbound></policies>`,
];
const XML_ALPHABET = ['<', '>', '/', '"', "'", '&', ';', '@(', '@{', ')', '}', '=', ' ', '\n', '<!--', '-->', '<![CDATA[', ']]>', 'x', '{{', '}}', '\\', '"@(', '\ufeff'];

export const policyInputs: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: policyDocument, weight: 5 },
  { arbitrary: mutate(POLICY_SEEDS, XML_ALPHABET), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((s) => `<policies>${s}</policies>`), weight: 1 },
);
