import { describe, expect, it } from 'vitest';
import { isTwinError, ManualClock } from '../../src/core/index.js';
import { compileExpression } from '../../src/gateway/index.js';
import { textBody, type HostContext } from '../../src/gateway/expressions/host.js';
import { ExpressionRuntimeError, type Value } from '../../src/gateway/expressions/values.js';

/**
 * The C# subset and the allowed .NET surface (issue 6; docs/behaviour/apim.md §4 and behaviours 41–46 of §7) with exact values: what a real
 * APIM gateway returns for the same expression.
 */
const JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyMSIsInJvbGVzIjpbImEiLCJiIl0sImV4cCI6MTcwMDAwMDAwMCwiYXVkIjoiYXBpOi8veCJ9.c2ln';

function ctx(): HostContext {
  const body = textBody('{"a":1,"b":[1,2],"c":{"d":"x"},"t":"2020-01-02T03:04:05Z"}');
  const url = { scheme: 'https', host: 'h.example', port: 443, path: '/api/users/42', query: [['a', '1'], ['b', 'x y']] as Array<[string, string]> };
  const headers = new Map([['authorization', { name: 'Authorization', values: [`Bearer ${JWT}`] }], ['x-multi', { name: 'X-Multi', values: ['a', 'b'] }]]);
  return {
    $type: 'Context',
    variables: new Map<string, Value>([['s', 'text'], ['n', 5], ['b', true]]),
    request: { method: 'POST', url, originalUrl: url, headers, ipAddress: '10.0.0.1', matchedParameters: new Map([['id', '42']]) },
    response: { statusCode: 200, statusReason: 'OK', headers: new Map() },
    api: { id: 'a', name: 'echo', path: 'echo', serviceUrl: null, protocols: ['https'] },
    operation: { id: 'o', name: 'o', method: 'GET', urlTemplate: '/x' },
    subscription: null,
    lastError: null,
    requestId: '11111111-2222-3333-4444-555555555555',
    clock: new ManualClock(Date.parse('2026-01-15T15:04:05.123Z')),
    trace() {},
    requestBodyData: () => body,
  };
}

/** Objects print as .NET prints them, byte arrays as hex. */
function show(v: Value): unknown {
  if (v instanceof Uint8Array) return 'BYTES:' + Buffer.from(v).toString('hex');
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { netString?: unknown }).netString === 'function') return 'OBJ:' + (v as unknown as { netString(): string }).netString();
  return v;
}

const ev = (src: string) => show(compileExpression(src).evaluate(ctx()));

function failure(src: string): { code: string; exceptionType?: string; message: string } {
  try {
    compileExpression(src).evaluate(ctx());
  } catch (e) {
    if (!isTwinError(e)) throw e;
    return { code: e.code, message: e.message, ...(e instanceof ExpressionRuntimeError ? { exceptionType: e.exceptionType } : {}) };
  }
  throw new Error('expected a failure');
}

describe('policy expressions: the C# subset and the .NET surface', () => {
  it.each([
    ['@("A".Equals("a", StringComparison.OrdinalIgnoreCase))', true],
    ['@(new JObject(new JProperty("a", 1), new JProperty("b", new JArray(1, "x"))).ToString())', '{\r\n  "a": 1,\r\n  "b": [\r\n    1,\r\n    "x"\r\n  ]\r\n}'],
    ['@(new JObject(new JProperty("a", 1)).ToString(Newtonsoft.Json.Formatting.None))', '{"a":1}'],
    ['@(Guid.Parse("AABBCCDD-0000-1111-2222-333344445555").ToString())', 'aabbccdd-0000-1111-2222-333344445555'],
    ['@(System.Net.WebUtility.UrlEncode(" a+b"))', '+a%2Bb'],
    ['@(Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pass")))', 'dXNlcjpwYXNz'],
    ['@(Convert.ToBase64String(new HMACSHA256(Encoding.UTF8.GetBytes("key")).ComputeHash(Encoding.UTF8.GetBytes("data"))))', 'UDH+PZicbRU3oBP6bnOdojRj/a7DtwE32Cjjas4iG9A='],
    ['@($"{1.5:N2}|{42:D5}|{255:X}|{0.1234:P1}|{3:0.00}|{1234567.891:#,##0.0}")', '1.50|00042|FF|12.3 %|3.00|1,234,567.9'],
    ['@(context.Request.Headers.GetValueOrDefault("X-MULTI"))', 'a,b'],
    ['@(context.Request.Headers.GetValueOrDefault("Authorization").AsJwt().Subject)', 'user1'],
    ['@(context.Request.Headers.GetValueOrDefault("Authorization").AsJwt().Claims["roles"][1])', 'b'],
    ['@(context.Request.Headers.GetValueOrDefault("Authorization").AsJwt().Claims.GetValueOrDefault("roles", ""))', 'a,b'],
    ['@("nonsense".AsJwt() == null)', true],
    ['@("Basic dXNlcjpwYXNz".AsBasic().Password)', 'pass'],
    ['@(new[] { "a", "bb", "ccc" }.Where(x => x.Length > 1).Select(x => x.ToUpper()).FirstOrDefault())', 'BB'],
    ['@(context.Variables.GetValueOrDefault<bool>("b"))', true],
    ['@{ int v; if (int.TryParse("12", out v)) { return v * 2; } return -1; }', 24],
    ['@{ if (context.Variables.TryGetValue("s", out var x)) { return (string)x; } return "none"; }', 'text'],
    ['@(context.Subscription?.Name ?? "anon")', 'anon'],
    ['@(7 / 2 + 7.0 / 2)', 6.5],
    ['@(true.ToString() + false)', 'TrueFalse'],
    ['@{ var total = 0; foreach (var i in Enumerable.Range(1, 4)) { total += i; } return total; }', 10],
    ['@{ switch (context.Request.Method) { case "GET": return 1; case "POST": return 2; default: return 3; } }', 2],
    ['@(typeof(string).Name)', 'String'],
    ['@{ var sb = new StringBuilder(); for (var i = 0; i < 3; i++) { sb.Append(i); } return sb.ToString(); }', '012'],
    ['@(context.Request.Body.As<JObject>(preserveContent: true)["c"]["d"].ToString())', 'x'],
    ['@((string)context.Request.Body.As<JObject>()["a"])', '1'],
    ['@((int)context.Request.Body.As<JObject>()["a"] + 1)', 2],
    ['@(context.Request.Body.As<JObject>().SelectToken("b[1]").ToString())', '2'],
    ['@(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"))', '2026-01-15T15:04:05Z'],
    ['@(DateTime.UtcNow.ToString("o"))', '2026-01-15T15:04:05.1230000Z'],
    ['@(DateTimeOffset.FromUnixTimeSeconds(0).ToUnixTimeSeconds())', 0],
    ['@(new DateTime(2020, 1, 2).AddDays(1.5).ToString("s"))', '2020-01-03T12:00:00'],
    ['@((DateTime.UtcNow - new DateTime(2026, 1, 15)).TotalHours > 15)', true],
    ['@(TimeSpan.FromMinutes(90).ToString())', '01:30:00'],
    ['@(Regex.Match("max-age=300", @"max-age=(?<m>\\d+)").Groups["m"].Value)', '300'],
    ['@(Regex.Replace("a1b22", @"\\d+", "#"))', 'a#b#'],
    ['@(Uri.EscapeDataString("a b/c?d"))', 'a%20b%2Fc%3Fd'],
    ['@(new Uri("https://x.com:8443/p/q?z=1").Port)', 8443],
    ['@(JsonConvert.SerializeObject(new { typ = "JWT", alg = "HS256" }))', '{"typ":"JWT","alg":"HS256"}'],
    ['@(string.Format("{0,-4}|{1,4}|{2:F1}", "a", "b", 2.25))', 'a   |   b|2.3'],
    ['@(context.Elapsed.TotalMilliseconds >= 0)', true],
    ['@(context.RequestId.ToString("N"))', '11111111222233334444555555555555'],
    ['@(context.Deployment.Region)', 'West US'],
    ['@{ var d = new Dictionary<string, int> { { "a", 1 }, { "b", 2 } }; return d["b"] + d.Count; }', 4],
    ['@(new List<string> { "x", "y" }.Count)', 2],
    ['@(int.MaxValue + 1)', -2147483648],
    ['@((long)int.MaxValue + 1)', 2147483648],
    ['@(\'a\' + 1)', 98],
    ['@("a" + \'b\')', 'ab'],
    ['@(Math.Round(2.5) + Math.Round(3.5))', 6],
    ['@(1e-7.ToString())', '1E-07'],
    ['@((0.1 + 0.2).ToString())', '0.30000000000000004'],
    ['@(new JObject().ToString())', '{}'],
    ['@(JObject.Parse("{\\"d\\":\\"2020-01-02T03:04:05Z\\"}")["d"].Type.ToString())', 'Date'],
    ['@(Encoding.UTF8.GetString(Convert.FromBase64String("aGk=")))', 'hi'],
    ['@(Convert.ToBase64String(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff").ToByteArray()))', 'MyIRAFVEd2aImaq7zN3u/w=='],
    ['@{ var key = new byte[16]; var iv = new byte[16]; var enc = Encoding.UTF8.GetBytes("hello").Encrypt("Aes", key, iv); return Encoding.UTF8.GetString(enc.Decrypt("Aes", key, iv)); }', 'hello'],
    ['@(context.Request.Url.Query.GetValueOrDefault("b"))', 'x y'],
    ['@(context.Variables["s"] is string)', true],
    ['@((context.Variables["n"] as string) == null)', true],
    ['@(new[] { 3, 1, 2 }.OrderBy(x => x).Last())', 3],
    ['@(new[] { "b", "a" }.OrderByDescending(x => x).First())', 'b'],
    ['@(string.Join(",", new[] { 1, 2, 3 }.Select(x => x * 2)))', '2,4,6'],
    ['@(new[] { 1, 2, 3 }.Sum() + new[] { 1, 2, 3 }.Max())', 9],
    ['@(new[] { 1, 2, 3 }.Aggregate((a, b) => a * b))', 6],
    ['@{ int x = 5; x += 3; x *= 2; x--; return x; }', 15],
    ['@(nameof(context))', 'context'],
    ['@(default(int))', 0],
    ['@(1 is int)', true],
    ['@(context.Request.MatchedParameters["id"])', '42'],
    ['@(context.Request.Headers.ContainsKey("authorization"))', true],
  ] as Array<[string, unknown]>)('%s', (src, want) => {
    expect(ev(src)).toEqual(want);
  });

  it('System.Xml.Linq: parse, query, namespaces, build and print like LINQ to XML', () => {
    expect(ev('@(XElement.Parse("<a x=\\"1\\"><b>t</b><b>u</b></a>").Elements("b").Count())')).toBe(2);
    expect(ev('@((string)XElement.Parse("<a x=\\"1\\"><b>t</b></a>").Attribute("x"))')).toBe('1');
    expect(ev('@((int)XElement.Parse("<a><n>41</n></a>").Element("n") + 1)')).toBe(42);
    expect(ev('@(new XElement("root", new XAttribute("id", 7), new XElement("child", "text")).ToString())')).toBe('<root id="7">\r\n  <child>text</child>\r\n</root>');
    expect(ev('@(new XElement("e").ToString())')).toBe('<e />');
    expect(ev('@(new XElement("a", "x < y").ToString())')).toBe('<a>x &lt; y</a>');
    expect(ev('@{ XNamespace ns = "urn:s"; var d = XDocument.Parse("<s:Envelope xmlns:s=\\"urn:s\\"><s:Body><x>v</x></s:Body></s:Envelope>"); return d.Root.Element(ns + "Body").Element("x").Value; }')).toBe('v');
    expect(ev('@(XDocument.Parse("<s:E xmlns:s=\\"urn:s\\"><s:B>1</s:B></s:E>").ToString())')).toBe('<s:E xmlns:s="urn:s">\r\n  <s:B>1</s:B>\r\n</s:E>');
    expect(ev('@(string.Join(",", XElement.Parse("<a><b><c>1</c></b><c>2</c></a>").Descendants("c").Select(x => x.Value)))')).toBe('1,2');
    expect(failure('@(XElement.Parse("<!DOCTYPE a [<!ENTITY e \\"x\\">]><a>&e;</a>").Value)')).toMatchObject({ exceptionType: 'XmlException' });
  });

  it('a dictionary built from something that is not key/value pairs is an InvalidCastException (fuzz finding)', () => {
    expect(failure('@(new Dictionary<string, object>(new[] { 9999999999L as Guid, @"x".Trim(), 1.5 }))')).toMatchObject({ code: 'ERR_APIM_EXPRESSION_RUNTIME', exceptionType: 'InvalidCastException' });
  });

  it('a fractional index or int argument is an InvalidCastException, not a silent truncation (fuzz finding)', () => {
    // C# refuses "a,b,c"[1.5] on save (no implicit double → int); the twin checks argument types when the expression runs
    expect(failure('@("a,b,c"[1.5])')).toMatchObject({ code: 'ERR_APIM_EXPRESSION_RUNTIME', exceptionType: 'InvalidCastException' });
    expect(failure('@(new[] { 1, 2 }[0.5])')).toMatchObject({ exceptionType: 'InvalidCastException' });
    expect(ev('@("a,b,c"[(int)1.5])')).toBe(',');
  });

  it('catches .NET exceptions by type and exposes the message', () => {
    expect(ev('@{ try { return int.Parse("x"); } catch (FormatException e) { return e.Message; } }')).toBe('Input string was not in a correct format.');
    expect(ev('@{ try { var a = new int[1]; return a[3]; } catch (ArgumentException) { return "arg"; } catch (Exception e) { return e.GetType().Name + ":" + (e is Exception); } }')).toBe('IndexOutOfRangeException:True');
    expect(ev('@{ string s = "f"; try { throw new InvalidOperationException("boom"); } catch (InvalidOperationException e) when (e.Message == "boom") { s += "c"; } finally { s += "!"; } return s; }')).toBe('fc!');
    expect(failure('@{ try { throw new Exception("x"); } catch (FormatException) { return 1; } }')).toMatchObject({ code: 'ERR_APIM_EXPRESSION_RUNTIME', exceptionType: 'Exception', message: 'x' });
  });

  it('limit errors cannot be caught by the expression', () => {
    expect(failure('@{ while (true) { try { var x = 1; } catch (Exception) { } } }').code).toBe('ERR_APIM_EXPRESSION_LIMIT');
  });

  it('reads the body once unless preserveContent is true (docs/behaviour/apim.md §7, behaviour 38)', () => {
    expect(ev('@{ var a = context.Request.Body.As<JObject>(preserveContent: true); var b = context.Request.Body.As<string>(); return b.Length; }')).toBe(58);
    expect(failure('@{ var a = context.Request.Body.As<JObject>(); return context.Request.Body.As<string>(); }')).toMatchObject({ exceptionType: 'InvalidOperationException' });
  });

  it('a JSON body of another kind than asked: Newtonsoft names the reader\'s token (StartObject, StartArray…)', () => {
    expect(failure('@(context.Request.Body.As<JArray>(true).Count)')).toMatchObject({ exceptionType: 'JsonReaderException', message: "Error reading JArray from JsonReader. Current JsonReader item is not an array: StartObject. Path '', line 1, position 1." });
    expect(failure('@(JObject.Parse("[1]"))')).toMatchObject({ message: "Error reading JObject from JsonReader. Current JsonReader item is not an object: StartArray. Path '', line 1, position 1." });
  });

  it('classifies what it refuses: SYNTAX only for invalid C#, UNSUPPORTED for valid C# the twin does not run, INVALID for C# compile errors', () => {
    const code = (src: string) => { try { compileExpression(src); return 'ok'; } catch (e) { return isTwinError(e) ? e.code : String(e); } };
    expect(code('@(1 +)')).toBe('ERR_APIM_EXPRESSION_SYNTAX');
    expect(code('@(new JObject(')).toBe('ERR_APIM_EXPRESSION_SYNTAX');
    expect(code('@{ return 1 }')).toBe('ERR_APIM_EXPRESSION_SYNTAX');
    expect(code('@(from x in new[] { 1 } select x)')).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(code('@{ lock (context) { } return 1; }')).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(code('@{ T F<T>(T x) { return x; } return F(1); }')).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(code('@{ int F(ref int x) { return x; } return 1; }')).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(code('@{ unsafe { return 1; } }')).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(code('@((1, 2))')).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(code('@(System.IO.File.ReadAllText("x"))')).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(code('@(new XmlDocument())')).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
    expect(code('@{ if (true) { return 1; } }')).toBe('ERR_APIM_EXPRESSION_INVALID');
    expect(code('@{ var x = 1; }')).toBe('ERR_APIM_EXPRESSION_INVALID');
    expect(code('@{ break; }')).toBe('ERR_APIM_EXPRESSION_INVALID');
    expect(code('@{ 1 + 1; return 2; }')).toBe('ERR_APIM_EXPRESSION_INVALID');
    expect(code('@(undefinedName)')).toBe('ERR_APIM_EXPRESSION_INVALID');
    expect(code('@{ while (true) { } }')).toBe('ok');
    expect(code('@{ switch (1) { case 1: return "a"; default: return "b"; } }')).toBe('ok');
  });

  it('TimeZoneInfo: Windows zone ids (and IANA ones), conversions with daylight saving, offsets (the context clock is 2026-01-15 15:04:05 UTC)', () => {
    // winter in Berlin (UTC+1), Pacific (UTC-8); Kind Unspecified after a conversion, Utc for the UTC zone
    expect(ev('@(TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTime.UtcNow, "W. Europe Standard Time").ToString("yyyy-MM-dd HH:mm") + "|" + TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTime.UtcNow, "Pacific Standard Time").Hour)'))
      .toBe('2026-01-15 16:04|7');
    expect(ev('@(TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTime.UtcNow, "W. Europe Standard Time").Kind + "|" + TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTime.UtcNow, "UTC").Kind)')).toBe('Unspecified|Utc');
    // summer time: 2026-07-01 12:00 UTC is 14:00 in Berlin, 05:00 in Los Angeles; India has no DST (+05:30)
    expect(ev('@{ var z = TimeZoneInfo.FindSystemTimeZoneById("W. Europe Standard Time"); var t = new DateTime(2026, 7, 1, 12, 0, 0, DateTimeKind.Utc); return TimeZoneInfo.ConvertTimeFromUtc(t, z).Hour + "|" + z.IsDaylightSavingTime(t) + "|" + z.GetUtcOffset(t) + "|" + z.BaseUtcOffset + "|" + z.SupportsDaylightSavingTime; }'))
      .toBe('14|True|02:00:00|01:00:00|True');
    expect(ev('@(TimeZoneInfo.ConvertTime(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero), TimeZoneInfo.FindSystemTimeZoneById("India Standard Time")).ToString("HH:mm zzz"))')).toBe('17:30 +05:30');
    // a local wall-clock time back to UTC; the southern hemisphere (Sydney: DST in January, +11)
    expect(ev('@(TimeZoneInfo.ConvertTimeToUtc(new DateTime(2026, 1, 15, 9, 0, 0), TimeZoneInfo.FindSystemTimeZoneById("AUS Eastern Standard Time")).ToString("HH:mm") + "|" + TimeZoneInfo.FindSystemTimeZoneById("AUS Eastern Standard Time").BaseUtcOffset)'))
      .toBe('22:00|10:00:00');
    expect(ev('@(TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin").GetUtcOffset(DateTime.UtcNow).TotalHours + "|" + TimeZoneInfo.Utc.Id + "|" + TimeZoneInfo.FindSystemTimeZoneById("w. europe standard time").Id)'))
      .toBe('1|UTC|W. Europe Standard Time');
    expect(failure('@(TimeZoneInfo.FindSystemTimeZoneById("Mars Standard Time"))')).toMatchObject({ exceptionType: 'TimeZoneNotFoundException', message: "The time zone ID 'Mars Standard Time' was not found on the local computer." });
  });

  it('string.Join/Concat bind one collection argument to the IEnumerable<T> overload (a string stays one value)', () => {
    expect(ev('@(string.Join(",", new List<int> { 1, 2 }) + "|" + string.Join(",", new byte[] { 3, 4 }) + "|" + string.Join(",", "ab") + "|" + string.Concat(new List<string> { "a", "b" }) + "|" + string.Join("-", new[] { "x", "y" }.Select(x => x.ToUpper())))'))
      .toBe('1,2|3,4|ab|ab|X-Y');
  });

  it('*OrDefault of a value type is default(T), not null; Convert.ToDateTime reads text as DateTime.Parse does', () => {
    expect(ev('@(new int[0].LastOrDefault() + "|" + new List<bool>().FirstOrDefault() + "|" + new Dictionary<string, int>().GetValueOrDefault("x") + "|" + (new string[0].FirstOrDefault() == null))'))
      .toBe('0|False|0|True');
    expect(ev('@(Convert.ToDateTime("2024-03-02T10:00:00Z").ToUniversalTime().Month + "|" + Convert.ToDateTime(null).Year)')).toBe('3|1');
  });

  it('StringReader/StringWriter and Enum.Parse/TryParse (allowed by APIM)', () => {
    expect(ev('@{ var r = new StringReader("a\\r\\nb\\nc"); var lines = new List<string>(); string l; while ((l = r.ReadLine()) != null) { lines.Add(l); } return string.Join("|", lines) + "|" + (r.ReadLine() == null); }')).toBe('a|b|c|True');
    expect(ev('@{ using (var r = new StringReader("xy")) { return (char)r.Read() + "" + (char)r.Peek() + r.ReadToEnd() + r.Read(); } }')).toBe('xyy-1');
    expect(ev('@{ var w = new StringWriter(); w.Write(1); w.WriteLine("a"); w.Write(true); return w.ToString(); }')).toBe('1a\r\nTrue');
    expect(failure('@{ var r = new StringReader("x"); r.Dispose(); return r.ReadLine(); }')).toMatchObject({ exceptionType: 'ObjectDisposedException' });
    expect(ev('@(Enum.Parse(typeof(StringComparison), "ordinalignorecase", true).ToString() + "|" + (StringComparison)Enum.Parse(typeof(StringComparison), "4"))')).toBe('OrdinalIgnoreCase|Ordinal');
    expect(ev('@{ DayOfWeek d; var ok = Enum.TryParse<DayOfWeek>("Friday", out d); var bad = Enum.TryParse<DayOfWeek>("Fryday", out d); return ok + "|" + bad + "|" + d; }')).toBe('True|False|Sunday');
    expect(failure('@(Enum.Parse(typeof(StringComparison), "Nope"))')).toMatchObject({ exceptionType: 'ArgumentException', message: "Requested value 'Nope' was not found." });
  });

  it('IPAddress (the members APIM allows): Parse/TryParse as .NET reads addresses, bytes, family, loopback, RFC 5952 text', () => {
    expect(ev('@(IPAddress.Parse(context.Request.IpAddress).GetAddressBytes()[0])')).toBe(10);
    expect(ev('@(IPAddress.Parse("10.0.0.1").AddressFamily.ToString() + "|" + IPAddress.Parse("2001:db8::1").AddressFamily)')).toBe('InterNetwork|InterNetworkV6');
    // .NET's inet_addr forms: fewer parts fill the last bytes, octal and hex parts
    expect(ev('@(IPAddress.Parse("10.1").ToString() + "|" + IPAddress.Parse("0x7f.1").ToString() + "|" + IPAddress.Parse("010.0.0.1").ToString())')).toBe('10.0.0.1|127.0.0.1|8.0.0.1');
    expect(ev('@(IPAddress.Parse("2001:0DB8:0000:0000:0000:0000:0000:0001").ToString() + "|" + IPAddress.Parse("::ffff:10.0.0.1").ToString() + "|" + IPAddress.Parse("fe80::1%4").ToString())'))
      .toBe('2001:db8::1|::ffff:10.0.0.1|fe80::1%4');
    expect(ev('@(IPAddress.IsLoopback(IPAddress.Parse("127.8.0.1")) + "|" + IPAddress.IsLoopback(IPAddress.Parse("::1")) + "|" + IPAddress.IsLoopback(IPAddress.Parse("10.0.0.1")))')).toBe('True|True|False');
    expect(ev('@(IPAddress.Parse("10.0.0.1").Equals(IPAddress.Parse("10.0.0.01")))')).toBe(true);
    expect(ev('@{ IPAddress a; var ok = IPAddress.TryParse("300.1.1.1", out a); return ok + "|" + (a == null) + "|" + IPAddress.TryParse("::1", out a) + "|" + a; }')).toBe('False|True|True|::1');
    expect(failure('@(IPAddress.Parse("10.0.0.1.5"))')).toMatchObject({ exceptionType: 'FormatException', message: 'An invalid IP address was specified.' });
    // members APIM does not list stay out of reach
    expect(failure('@(IPAddress.Loopback)').code).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED');
  });

  it('refuses at load an argument C# cannot convert to the parameter type (CS1503), as APIM does on save', () => {
    const err = (src: string) => { try { compileExpression(src); return 'ok'; } catch (e) { return isTwinError(e) ? `${e.code}: ${e.message}` : String(e); } };
    // the user-delegation SAS snippet passes a string to DateTime.AddSeconds(double)
    expect(err('@(DateTime.UtcNow.AddSeconds((string)context.Request.MatchedParameters["ttl"]))'))
      .toBe("ERR_APIM_EXPRESSION_INVALID: Argument 1 of 'DateTime.AddSeconds': cannot convert from 'string' to 'double'");
    expect(err('@(TimeSpan.FromMinutes("5"))')).toBe("ERR_APIM_EXPRESSION_INVALID: Argument 1 of 'TimeSpan.FromMinutes': cannot convert from 'string' to 'double'");
    expect(err('@(DateTime.UtcNow.AddMonths(1.5))')).toBe("ERR_APIM_EXPRESSION_INVALID: Argument 1 of 'DateTime.AddMonths': cannot convert from 'double' to 'int'");
    expect(err('@(DateTime.UtcNow.AddDays(1m))')).toBe("ERR_APIM_EXPRESSION_INVALID: Argument 1 of 'DateTime.AddDays': cannot convert from 'decimal' to 'double'");
    // implicit conversions pass; so do values the twin types as Object (C# would refuse an object argument too: the
    // twin does not track it statically, the conversion is checked when the call runs)
    expect(err('@(DateTime.UtcNow.AddSeconds(30))')).toBe('ok');
    expect(err('@(DateTime.UtcNow.AddSeconds((int)context.Variables["n"] / 2))')).toBe('ok');
    expect(err('@(DateTime.UtcNow.AddSeconds(context.Variables["n"]))')).toBe('ok');
    expect(err('@(DateTimeOffset.UtcNow.AddTicks(10))')).toBe('ok');
  });

  it('runs local functions (C# 7): hoisted, recursive, capturing, void and expression-bodied', () => {
    expect(ev('@{ int Fact(int n) { return n <= 1 ? 1 : n * Fact(n - 1); } return Fact(10); }')).toBe(3628800);
    // declared after its use, and mutual recursion between two local functions
    expect(ev('@{ return IsEven(10) + "/" + IsEven(7); bool IsEven(int n) => n == 0 ? true : IsOdd(n - 1); bool IsOdd(int n) => n == 0 ? false : IsEven(n - 1); }')).toBe('True/False');
    // a void function changes the enclosing locals (captured), `return;` leaves it
    expect(ev('@{ var total = 1; void Add(int by) { if (by < 0) { return; } total += by; } Add(2); Add(-5); Add(3); return total; }')).toBe(6);
    // each recursive activation has its own parameters and locals
    expect(ev('@{ string Path(int n) { var me = "n" + n; if (n == 0) return me; var inner = Path(n - 1); return me + ">" + inner; } return Path(3); }')).toBe('n3>n2>n1>n0');
    // static types of parameters decide integer arithmetic; named arguments
    expect(ev('@{ int Half(int x) => x / 2; double HalfD(double x) => x / 2; return Half(x: 7) + HalfD(7); }')).toBe(6.5);
    // Microsoft's "Filter on IP Address when using Application Gateway" snippet shape
    expect(ev('@{ int HostToNetworkOrder(int host) { return (((int)HostToNetworkOrderShort((short)host) & 0xFFFF) << 16) | ((int)HostToNetworkOrderShort((short)(host >> 16)) & 0xFFFF); } '
      + 'short HostToNetworkOrderShort(short host) { return (short)((((int)host & 0xFF) << 8) | (int)((host >> 8) & 0xFF)); } return HostToNetworkOrder(0x0A000001); }')).toBe(0x0100000a);
  });

  it('checks local functions as C# does, and bounds their recursion with a coded limit', () => {
    const code = (src: string) => { try { compileExpression(src); return 'ok'; } catch (e) { return isTwinError(e) ? e.code : String(e); } };
    expect(code('@{ int F(int a) { if (a > 0) return 1; } return F(1); }')).toBe('ERR_APIM_EXPRESSION_INVALID'); // CS0161
    expect(code('@{ void F() { return 1; } F(); return 0; }')).toBe('ERR_APIM_EXPRESSION_INVALID'); // CS0127
    expect(code('@{ int F(int a) => a; return F(1, 2); }')).toBe('ERR_APIM_EXPRESSION_INVALID'); // CS1501
    expect(code('@{ int F() => 1; int F() => 2; return F(); }')).toBe('ERR_APIM_EXPRESSION_INVALID'); // CS0128
    expect(code('@{ int F() => 1; return F; }')).toBe('ERR_APIM_EXPRESSION_UNSUPPORTED'); // method group as a delegate
    expect(failure('@{ int Down(int n) => Down(n + 1); return Down(0); }')).toMatchObject({ code: 'ERR_APIM_EXPRESSION_LIMIT', exceptionType: 'InsufficientExecutionStackException' });
    // a deep but bounded recursion works
    expect(ev('@{ int Sum(int n) => n == 0 ? 0 : n + Sum(n - 1); return Sum(90); }')).toBe(4095);
  });

  it('Array.Copy with indexes copies between arrays (Microsoft\'s correlation-id snippet)', () => {
    expect(ev('@{ var g = new byte[16]; Array.Copy(new byte[] { 1, 2, 3, 4 }, 1, g, 10, 3); var h = new int[3]; Array.Copy(new[] { 7, 8, 9 }, h, 2); return g[10] + g[11] + g[12] + "," + h[1] + h[2]; }')).toBe('9,80');
    expect(failure('@{ var g = new byte[2]; Array.Copy(new byte[] { 1, 2, 3 }, 1, g, 0, 3); return 1; }')).toMatchObject({ code: 'ERR_APIM_EXPRESSION_RUNTIME' });
  });

  it('runs unchecked blocks and expressions (integer arithmetic wraps, as in C#\'s default context)', () => {
    expect(ev('@{ long time = 1234567890123L; byte[] bytes = new byte[2]; unchecked { bytes[1] = (byte)(time >> 8); bytes[0] = (byte)(time); } return bytes[0] + "," + bytes[1]; }')).toBe('203,4');
    expect(ev('@(unchecked((int)4294967297L))')).toBe(1);
    expect(ev('@(unchecked(int.MaxValue + 1))')).toBe(-2147483648);
  });

  it("XDocument.Parse/XElement.Parse refuse malformed text with XmlReader's messages and positions", () => {
    const parse = (xml: string, type = 'XDocument') => failure(`@(${type}.Parse(${JSON.stringify(xml)}))`);
    const xmlException = (message: string) => ({ code: 'ERR_APIM_EXPRESSION_RUNTIME', exceptionType: 'XmlException', message: expect.stringContaining(message) as unknown });
    // a JSON answer read as XML: the first character of the data, even after a '>' inside it
    expect(parse('{"a":">"}')).toMatchObject(xmlException('Data at the root level is invalid. Line 1, position 1.'));
    expect(parse('  \n  {"a":1}')).toMatchObject(xmlException('Data at the root level is invalid. Line 2, position 3.'));
    expect(parse('<a/>junk')).toMatchObject(xmlException('Data at the root level is invalid. Line 1, position 5.'));
    expect(parse('<root><a><b>')).toMatchObject(xmlException('Unexpected end of file has occurred. The following elements are not closed: root, a, b. Line 1, position 13.'));
    expect(parse('<root>\n  <a></b></root>')).toMatchObject(xmlException("The 'a' start tag on line 2 position 4 does not match the end tag of 'b'. Line 2, position 8."));
    expect(parse('<a><b></a>', 'XElement')).toMatchObject(xmlException("The 'b' start tag on line 1 position 5 does not match the end tag of 'a'. Line 1, position 9."));
    expect(parse('<a/><b/>')).toMatchObject(xmlException('There are multiple root elements. Line 1, position 6.'));
    expect(parse('')).toMatchObject(xmlException('Root element is missing.'));
    expect(parse('<a><!-- x -- y --></a>')).toMatchObject(xmlException("An XML comment cannot contain '--', and '-' cannot be the last character. Line 1, position 11."));
    // what parses still parses: CDATA, comments, declarations, self-closing elements
    expect(ev('@(XDocument.Parse("<?xml version=\\"1.0\\"?><!-- c --><a><![CDATA[x>y]]><b/></a>").Root.Value)')).toBe('x>y');
  });

  it('runs checked blocks and expressions: integral overflow is an OverflowException there, and the context is lexical', () => {
    const overflow = { code: 'ERR_APIM_EXPRESSION_RUNTIME', message: expect.stringContaining('Arithmetic operation resulted in an overflow.') as unknown };
    expect(failure('@{ int x = int.MaxValue; return checked(x + 1); }')).toMatchObject(overflow);
    expect(failure('@{ int x = int.MinValue; checked { x--; } return x; }')).toMatchObject(overflow);
    expect(failure('@{ int x = 65536; checked { x *= x; } return x; }')).toMatchObject(overflow);
    expect(failure('@{ int x = int.MinValue; return checked(-x); }')).toMatchObject(overflow);
    expect(failure('@{ int x = int.MinValue; return checked(x / -1); }')).toMatchObject(overflow);
    expect(failure('@{ long big = 4294967297L; return checked((int)big); }')).toMatchObject(overflow);
    expect(failure('@{ int n = 300; return checked((byte)n); }')).toMatchObject(overflow);
    expect(failure('@{ long x = long.MaxValue; return checked(x * 4); }')).toMatchObject(overflow);
    // in range: the same value as unchecked
    expect(ev('@{ int x = 46340; return checked(x * x); }')).toBe(2147395600);
    expect(ev('@{ long big = 2147483647L; return checked((int)big); }')).toBe(2147483647);
    // the default context wraps; unchecked inside checked wraps; floating point never overflows
    expect(ev('@{ int x = int.MaxValue; checked { x = unchecked(x + 1); } return x; }')).toBe(-2147483648);
    expect(ev('@{ int x = int.MaxValue; x++; return x; }')).toBe(-2147483648);
    expect(ev('@(checked(double.MaxValue * 2) > 0)')).toBe(true);
    // a lambda written inside the checked expression is checked; a local function declared outside it is not
    expect(failure('@(checked(new[] { int.MaxValue }.Select(v => v + 1).First()))')).toMatchObject(overflow);
    expect(ev('@{ int Next(int v) { return v + 1; } return checked(Next(int.MaxValue)); }')).toBe(-2147483648);
    // the exception is catchable by its .NET type
    expect(ev('@{ int x = int.MaxValue; try { checked { x += 1; } return "no"; } catch (DivideByZeroException) { return "div"; } catch (OverflowException) { return "overflow"; } }')).toBe('overflow');
    expect(failure('@(checked(int.MaxValue + int.Parse("1")))').exceptionType).toBe('OverflowException');
    expect(ev('@{ try { int z = 0; return 1 / z; } catch (Exception e) { return e.GetType().Name + "|" + e.GetType().FullName; } }')).toBe('DivideByZeroException|System.DivideByZeroException');
  });

  it("GetType() and typeof(T) name the .NET types of the member tables (Name, FullName, ToString())", () => {
    const full = (src: string) => ev(`@{ var t = ${src}; return t.Name + "|" + t.FullName + "|" + t.ToString(); }`);
    expect(full('(42L).GetType()')).toBe('Int64|System.Int64|System.Int64');
    expect(full('(1.5m).GetType()')).toBe('Decimal|System.Decimal|System.Decimal');
    expect(full('new StringBuilder("a").GetType()')).toBe('StringBuilder|System.Text.StringBuilder|System.Text.StringBuilder');
    expect(full('new Uri("https://contoso.com/").GetType()')).toBe('Uri|System.Uri|System.Uri');
    expect(full('Regex.Match("ab", "b").GetType()')).toBe('Match|System.Text.RegularExpressions.Match|System.Text.RegularExpressions.Match');
    expect(full('new List<string>().GetType()')).toBe('List`1|System.Collections.Generic.List`1|System.Collections.Generic.List`1');
    expect(full('typeof(Dictionary<string, List<int>>)')).toBe('Dictionary`2|System.Collections.Generic.Dictionary`2|System.Collections.Generic.Dictionary`2');
    expect(full('new JObject().GetType()')).toBe('JObject|Newtonsoft.Json.Linq.JObject|Newtonsoft.Json.Linq.JObject');
    expect(full('JToken.Parse("[1]").GetType()')).toBe('JArray|Newtonsoft.Json.Linq.JArray|Newtonsoft.Json.Linq.JArray');
    expect(full('XElement.Parse("<a/>").GetType()')).toBe('XElement|System.Xml.Linq.XElement|System.Xml.Linq.XElement');
    expect(full('typeof(XDocument)')).toBe('XDocument|System.Xml.Linq.XDocument|System.Xml.Linq.XDocument');
    expect(full('IPAddress.Parse("10.0.0.1").GetType()')).toBe('IPAddress|System.Net.IPAddress|System.Net.IPAddress');
    expect(full('TimeZoneInfo.Utc.GetType()')).toBe('TimeZoneInfo|System.TimeZoneInfo|System.TimeZoneInfo');
    expect(full('new byte[2].GetType()')).toBe('Byte[]|System.Byte[]|System.Byte[]');
    expect(full('typeof(char)')).toBe('Char|System.Char|System.Char');
    // exceptions outside System name their own namespace
    expect(ev('@{ try { JObject.Parse("{"); return ""; } catch (Exception e) { return e.GetType().FullName; } }')).toBe('Newtonsoft.Json.JsonReaderException');
    expect(ev('@{ try { var d = new Dictionary<string, int>(); return d["x"]; } catch (Exception e) { return e.GetType().FullName; } }')).toBe('System.Collections.Generic.KeyNotFoundException');
  });

  it('gives a location (offset in the expression) with every compile error', () => {
    for (const src of ['@(1 +)', '@( context.Nope )', '@{ goto x; }', '@( missing )']) {
      try { compileExpression(src); } catch (e) {
        expect(isTwinError(e)).toBe(true);
        expect(typeof (e as { details?: { offset?: unknown } }).details?.offset).toBe('number');
      }
    }
    try { compileExpression('@(  context.Request.Nope)'); } catch (e) { expect((e as { details: { offset: number } }).details.offset).toBe(19); }
  });

  it('reaches nothing outside the member tables (no prototype walking, no eval)', () => {
    const code = (src: string) => { try { compileExpression(src).evaluate(ctx()); return 'ok'; } catch (e) { return isTwinError(e) ? e.code : `uncoded ${String(e)}`; } };
    for (const src of ['@(context.constructor)', '@("a".constructor)', '@("a".__proto__)', '@(context.Variables.toString())', '@(context.Variables.hasOwnProperty("s"))',
      '@(new[] { 1 }.constructor)', '@(eval("1"))', '@(Function("return 1"))', '@(globalThis)', '@(process.env)', '@(Object.prototype)',
      '@(((object)"a").GetType().Assembly)', '@(typeof(string).Assembly)', '@(Type.GetType("System.IO.File"))', '@(Activator.CreateInstance(null))',
      '@(Environment.GetEnvironmentVariable("PATH"))', '@(Process.Start("sh"))']) {
      expect(code(src), src).toMatch(/^ERR_APIM_EXPRESSION_(UNSUPPORTED|INVALID|RUNTIME)$/);
    }
  });
});
