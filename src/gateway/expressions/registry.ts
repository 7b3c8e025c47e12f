/**
 * The member tables, assembled: everything an expression can reach, and nothing else (docs/behaviour/apim.md §4.2). A runtime type's
 * table includes its base types' members and, for enumerables, the LINQ extension methods; static tables are keyed
 * by normalized type name (`string` and `String` both resolve to `String`).
 */
import { ANON_TABLE_GETTER, COLLECTION_STATICS, COLLECTION_TABLES, ENUMERABLE_TYPES, LINQ } from './lib-collections.js';
import { EXCEPTION_TABLE } from './construct.js';
import { BYTES_EXTENSIONS, CRYPTO_STATICS, CRYPTO_TABLES } from './lib-crypto.js';
import { DATE_STATICS, DATE_TABLES } from './lib-datetime.js';
import { JSON_STATICS, JSON_TABLES } from './lib-json.js';
import { IO_STATICS, IO_TABLES } from './lib-io.js';
import { NET_STATICS, NET_TABLES } from './lib-net.js';
import { TIMEZONE_STATICS, TIMEZONE_TABLES } from './lib-timezone.js';
import { NUMBER_LIB_STATICS, NUMBER_LIB_TABLES } from './lib-number.js';
import { STRING_LIB_STATICS, STRING_LIB_TABLES } from './lib-string.js';
import { TEXT_STATICS, TEXT_TABLES } from './lib-text.js';
import { XML_STATICS, XML_TABLES } from './lib-xml.js';
import { CONTEXT_ENUMERABLE_TYPES, CONTEXT_STATICS, CONTEXT_TABLES, FORM_EXTENSIONS, STRING_EXTENSIONS } from './members-context.js';
import { OutRef, tryParse, type Env, type MethodEntry, type PropertyEntry, type StaticTable, type TypeTable } from './member-types.js';
import { argumentNull, netError, requireString, toDotNetString, EnumValue, type Value } from './values.js';
import { BASES } from './types.js';
import { netTypeNames } from './net-type-names.js';

const OBJECT_METHODS: Record<string, MethodEntry> = {
  ToString: { type: 'String', call: (v) => toDotNetString(v) },
  GetHashCode: { type: 'Int32', call: () => 0 },
  GetType: { type: 'Type', call: (v) => typeValue(v) },
  Equals: { type: 'Boolean', call: (v, [o]) => v === o },
};

/** `typeof(T)` / `x.GetType()`: Name, FullName, ToString(). */
export class TypeV {
  readonly $type = 'Type';
  constructor(readonly name: string, readonly fullName: string) {}
  netString(): string { return this.fullName; }
}
function typeValue(v: Value): TypeV {
  // an exception's type is the .NET exception it stands for (DivideByZeroException, not Exception)
  const exceptionType = (v as { $type?: string } | null)?.$type === 'Exception' ? (v as unknown as { error: { exceptionType: string } }).error.exceptionType : undefined;
  const t = exceptionType ?? (v === null ? 'Object' : (v as { $type?: string }).$type ?? (typeof v === 'string' ? 'String' : typeof v === 'number' ? (Number.isInteger(v) ? 'Int32' : 'Double') : typeof v === 'boolean' ? 'Boolean' : Array.isArray(v) ? 'Object[]' : 'Byte[]'));
  const { name, fullName } = netTypeNames(t);
  return new TypeV(name, fullName);
}

const RAW_TABLES: Record<string, TypeTable> = {
  ...NUMBER_LIB_TABLES,
  ...STRING_LIB_TABLES,
  ...DATE_TABLES,
  ...COLLECTION_TABLES,
  ...JSON_TABLES,
  ...TEXT_TABLES,
  ...CRYPTO_TABLES,
  ...NET_TABLES,
  ...IO_TABLES,
  ...TIMEZONE_TABLES,
  ...XML_TABLES,
  ...CONTEXT_TABLES,
  Enum: {
    props: {},
    methods: {
      ToString: { type: 'String', call: (v) => (v as EnumValue).name },
      HasFlag: { type: 'Boolean', call: (v, [f]) => f instanceof EnumValue && (v as EnumValue).has(f.value) },
      Equals: { type: 'Boolean', call: (v, [o]) => (v as EnumValue).netEquals(o ?? null) },
    },
  },
  Type: {
    props: { Name: { type: 'String', get: (t) => (t as unknown as TypeV).name }, FullName: { type: 'String', get: (t) => (t as unknown as TypeV).fullName } },
    methods: {},
  },
  Anonymous: { props: {}, methods: {} },
  Exception: EXCEPTION_TABLE,
  Lambda: { props: {}, methods: {} },
};

// extension methods
RAW_TABLES.String = { ...RAW_TABLES.String!, methods: { ...RAW_TABLES.String!.methods, ...STRING_EXTENSIONS } };
RAW_TABLES['Byte[]'] = { ...RAW_TABLES['Byte[]']!, methods: { ...RAW_TABLES['Byte[]']!.methods, ...BYTES_EXTENSIONS } };
RAW_TABLES.Dictionary = { ...RAW_TABLES.Dictionary!, methods: { ...RAW_TABLES.Dictionary!.methods, ...FORM_EXTENSIONS } };

const LINQ_TYPES = new Set([...ENUMERABLE_TYPES, 'XElement', 'XDocument', ...CONTEXT_ENUMERABLE_TYPES, 'JArray', 'JObject', 'JToken', 'JContainer', 'JProperty', 'MatchCollection', 'GroupCollection']);

function build(): Record<string, TypeTable> {
  const out: Record<string, TypeTable> = {};
  for (const [name, table] of Object.entries(RAW_TABLES)) {
    const props: Record<string, PropertyEntry> = {};
    const methods: Record<string, MethodEntry> = { ...OBJECT_METHODS };
    if (LINQ_TYPES.has(name)) Object.assign(methods, LINQ);
    for (const base of [...(BASES[name] ?? [])].reverse()) {
      const b = RAW_TABLES[base];
      if (b) { Object.assign(props, b.props); Object.assign(methods, b.methods); }
    }
    Object.assign(props, table.props);
    Object.assign(methods, table.methods);
    const t: TypeTable = { props, methods };
    const index = table.index ?? (BASES[name] ?? []).map((b) => RAW_TABLES[b]?.index).find(Boolean);
    if (index) t.index = index;
    out[name] = Object.freeze(t);
  }
  // null-prototype copies: a lookup can never fall through to Object.prototype
  return Object.assign(Object.create(null) as Record<string, TypeTable>, out);
}

/** Runtime type name → the complete list of reachable instance members. */
export const TYPE_TABLES: Record<string, TypeTable> = build();

/** Anonymous objects: any declared field name is a property. */
export const anonymousMember = ANON_TABLE_GETTER;

/** Static classes and constructors, by normalized type name. */
export const STATIC_TABLES: Record<string, StaticTable> = Object.assign(Object.create(null) as Record<string, StaticTable>, {
  ...NUMBER_LIB_STATICS,
  ...STRING_LIB_STATICS,
  ...DATE_STATICS,
  ...COLLECTION_STATICS,
  ...JSON_STATICS,
  ...TEXT_STATICS,
  ...CRYPTO_STATICS,
  ...NET_STATICS,
  ...IO_STATICS,
  ...TIMEZONE_STATICS,
  ...XML_STATICS,
  ...CONTEXT_STATICS,
  Object: { props: {}, methods: { Equals: { type: 'Boolean', call: (_t: Value, [a, b]: Value[]) => a === b || (a !== null && a !== undefined && toDotNetString(a) === toDotNetString(b ?? null) && typeof a !== 'object') }, ReferenceEquals: { type: 'Boolean', call: (_t: Value, [a, b]: Value[]) => a === b } } },
});

// Convert.ToDateTime: null is DateTime.MinValue, a DateTime is itself, text is read as DateTime.Parse reads it
STATIC_TABLES.Convert = {
  ...STATIC_TABLES.Convert!,
  methods: {
    ...STATIC_TABLES.Convert!.methods,
    ToDateTime: {
      type: 'DateTime',
      call: (t, [v], ta, env) => {
        if (v === null || v === undefined) return STATIC_TABLES.DateTime!.props.MinValue!.get(null, env);
        if ((v as { $type?: string }).$type === 'DateTime') return v;
        return STATIC_TABLES.DateTime!.methods.Parse!.call(t, [typeof v === 'string' ? v : toDotNetString(v)], ta, env);
      },
    },
  },
};

/** The names and values of an enum type the tables know (`StringComparison`, `DayOfWeek`…), from its static members. */
function enumNames(type: string, env: Env): Readonly<Record<string, number>> | undefined {
  const table = STATIC_TABLES[type];
  for (const p of Object.values(table?.props ?? {})) {
    const v = p.get(null, env);
    if (v instanceof EnumValue) return v.names;
  }
  return undefined;
}

/** `Enum.Parse(typeof(T), text[, ignoreCase])`: a name, a comma-separated list of flags, or a number. */
function parseEnum(type: string, text: Value, ignoreCase: boolean, env: Env): EnumValue {
  const names = enumNames(type, env);
  if (!names) throw netError('ArgumentException', 'Type provided must be an Enum.');
  if (text === null) throw argumentNull('value');
  const s = requireString(text, 'value').trim();
  if (/^[+-]?\d+$/.test(s)) return new EnumValue(type, Number(s), names);
  let value = 0;
  for (const part of s.split(',').map((x) => x.trim())) {
    const hit = Object.entries(names).find(([k]) => (ignoreCase ? k.toLowerCase() === part.toLowerCase() : k === part));
    if (!hit) throw netError('ArgumentException', `Requested value '${part}' was not found.`);
    value |= hit[1];
  }
  return new EnumValue(type, value, names);
}

const typeName = (t: Value | undefined): string => {
  if (!(t instanceof TypeV)) throw argumentNull('enumType');
  return t.name;
};

STATIC_TABLES.Enum = {
  props: {},
  methods: {
    Parse: {
      type: (typeArgs) => typeArgs[0] ?? 'Object',
      call: (_t, args, typeArgs, env) => (typeArgs[0]
        ? parseEnum(typeArgs[0], args[0] ?? null, args[1] === true, env)
        : parseEnum(typeName(args[0]), args[1] ?? null, args[2] === true, env)),
    },
    TryParse: {
      type: 'Boolean',
      call: (_t, args, typeArgs, env) => {
        const type = typeArgs[0] ?? typeName(args[0]);
        const rest = typeArgs[0] ? args : args.slice(1);
        const out = rest.find((x) => x instanceof OutRef);
        return tryParse(() => parseEnum(type, rest[0] ?? null, rest[1] === true, env), out, new EnumValue(type, 0, enumNames(type, env) ?? {}));
      },
    },
    GetNames: { type: 'String[]', call: (_t, [t], _ta, env) => Object.keys(enumNames(typeName(t), env) ?? {}) },
    IsDefined: { type: 'Boolean', call: (_t, [t, v], _ta, env) => Object.entries(enumNames(typeName(t), env) ?? {}).some(([k, n]) => k === v || n === v || (v instanceof EnumValue && v.value === n)) },
  },
};

/** Member names found in any table (the load-time check for values of unknown static type). */
export const ANY_MEMBER = {
  props: new Set(Object.values(TYPE_TABLES).flatMap((t) => Object.keys(t.props))),
  methods: new Set(Object.values(TYPE_TABLES).flatMap((t) => Object.keys(t.methods))),
};

/** Static types whose values may be of a derived runtime type: their members include the derived types' members. */
export const DERIVED: Record<string, string[]> = {};
for (const [type, bases] of Object.entries(BASES)) for (const b of bases) (DERIVED[b] ??= []).push(type);

/**
 * .NET types APIM's allow-list does not contain (docs/behaviour/apim.md §4.2), named so that using them is ERR_APIM_EXPRESSION_UNSUPPORTED
 * with the reason. The allow-list itself is the set of STATIC_TABLES plus the runtime types above.
 */
export const DISALLOWED_TYPES = new Set([
  'File', 'Directory', 'Path', 'FileInfo', 'DirectoryInfo', 'Stream', 'FileStream', 'MemoryStream', 'StreamReader', 'StreamWriter', 'Process', 'Environment',
  'AppDomain', 'Assembly', 'Activator', 'Type', 'Thread', 'Task', 'ThreadPool', 'Timer', 'HttpClient', 'WebClient', 'WebRequest', 'HttpWebRequest',
  'Socket', 'TcpClient', 'Dns', 'XmlDocument', 'XmlReader', 'XmlWriter', 'XmlNode', 'XmlElement', 'XPathNavigator', 'Marshal', 'GC', 'Console',
  'Reflection', 'MethodInfo', 'Expression', 'Delegate', 'dynamic', 'Registry', 'SqlConnection', 'DataTable', 'JsonSerializer',
  'CultureInfo',
]);

/** The reason given for a disallowed type. */
export function disallowedReason(_t: string): string {
  return 'is not allowed in APIM policy expressions';
}
