/**
 * The .NET names of the types the member tables expose, for `typeof(T)` and `x.GetType()` (`Name`, `FullName`,
 * `ToString()`): the namespace each lives in (.NET API reference), generic types with .NET's arity suffix (`List`1`).
 * The closed generic's FullName carries assembly-qualified type arguments in .NET; the twin knows no element types at
 * run time and gives the open form [I] (docs/differences.md). The types of APIM's own context objects (`context.Request`
 * …) are internal to APIM and undocumented: they keep their bare names.
 */

const NAMESPACES: Record<string, string[]> = {
  System: [
    'Object', 'String', 'Char', 'Boolean', 'Byte', 'SByte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64', 'Single', 'Double', 'Decimal',
    'Guid', 'Random', 'DateTime', 'DateTimeOffset', 'TimeSpan', 'TimeZoneInfo', 'Uri', 'StringComparer', 'Enum', 'Type', 'Tuple`2', 'Object[]', 'Byte[]',
    'Exception', 'SystemException', 'ArgumentException', 'ArgumentNullException', 'ArgumentOutOfRangeException', 'ArithmeticException',
    'DivideByZeroException', 'FormatException', 'IndexOutOfRangeException', 'InsufficientExecutionStackException', 'InvalidCastException',
    'InvalidOperationException', 'MissingMemberException', 'MissingMethodException', 'NotSupportedException', 'NullReferenceException',
    'ObjectDisposedException', 'OutOfMemoryException', 'OverflowException', 'TimeoutException', 'TimeZoneNotFoundException', 'UriFormatException',
  ],
  'System.Text': ['StringBuilder', 'Encoding'],
  'System.Text.RegularExpressions': ['Regex', 'Match', 'Group', 'MatchCollection', 'GroupCollection', 'RegexMatchTimeoutException'],
  'System.Collections.Generic': ['List`1', 'Dictionary`2', 'HashSet`1', 'Queue`1', 'Stack`1', 'KeyValuePair`2', 'KeyNotFoundException'],
  'System.Linq': ['IGrouping`2'],
  'System.IO': ['StringReader', 'StringWriter'],
  'System.Net': ['IPAddress'],
  'System.Security.Cryptography': [
    'HMAC', 'HashAlgorithm', 'SymmetricAlgorithm', 'RSA', 'RSACng', 'Oid', 'RSAEncryptionPadding', 'RandomNumberGenerator', 'CryptographicException',
  ],
  'System.Security.Cryptography.X509Certificates': ['X509Certificate', 'X509Certificate2', 'X500DistinguishedName', 'PublicKey'],
  'System.Xml': ['XmlException'],
  'System.Xml.Linq': ['XElement', 'XDocument', 'XAttribute', 'XText', 'XCData', 'XComment', 'XName', 'XNamespace', 'XDeclaration'],
  'Newtonsoft.Json': ['JsonException', 'JsonReaderException', 'JsonSerializationException'],
  'Newtonsoft.Json.Linq': ['JToken', 'JContainer', 'JObject', 'JArray', 'JProperty', 'JValue'],
};

/** The twin's table names that differ from .NET's type name. */
const RENAMED: Record<string, string> = {
  Array: 'Object[]', List: 'List`1', Dictionary: 'Dictionary`2', HashSet: 'HashSet`1', Queue: 'Queue`1', Stack: 'Stack`1',
  KeyValuePair: 'KeyValuePair`2', Tuple: 'Tuple`2', Grouping: 'IGrouping`2', RNG: 'RandomNumberGenerator',
};

const FULL = new Map<string, string>();
for (const [ns, names] of Object.entries(NAMESPACES)) for (const n of names) FULL.set(n, `${ns}.${n}`);

/** `Name` and `FullName` of a twin type name (a table name, or a .NET name such as `Int32` or `List<string>`). */
export function netTypeNames(twinName: string): { name: string; fullName: string } {
  const generic = /^(\w+)<(.*)>$/.exec(twinName);
  let arity = 1;
  let depth = 0;
  for (const c of generic?.[2] ?? '') { if (c === '<') depth++; else if (c === '>') depth--; else if (c === ',' && depth === 0) arity++; }
  const base = generic ? `${generic[1]}\`${arity}` : twinName;
  const name = RENAMED[base] ?? base;
  return { name, fullName: FULL.get(name) ?? name };
}
