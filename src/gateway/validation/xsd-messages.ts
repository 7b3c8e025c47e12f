import { SaxesParser } from 'saxes';
import type { XmlValidationError } from './xml-schema.js';

/**
 * XML Schema validation errors in the words of .NET's XmlSchemaValidationException, for what libxml2 reports
 * (validate-content's details are `{valError.Message} Line: {LineNumber}, Position: {LinePosition}`, Learn's
 * validation-policy error table). The element or attribute an error names is found in the body, so that the error
 * carries .NET's reader position [I]: the element's name for errors of its start (an unexpected or undeclared
 * element), its end tag's name for errors of its content (a value outside its datatype, missing children), the
 * attribute's name for attribute errors. A message this table does not know keeps libxml2's wording.
 */

interface ElementInfo {
  ns: string;
  local: string;
  /** Index of the first character of the start tag's name, and of the end tag's (the start's for `<x/>`). */
  at: number;
  endAt: number;
  attrs: Map<string, number>;
  parent: ElementInfo | undefined;
}

/** Every element of a well-formed body, in document order, with where its names stand. */
function indexElements(text: string): ElementInfo[] {
  const out: ElementInfo[] = [];
  const open: ElementInfo[] = [];
  const parser = new SaxesParser({ xmlns: true, position: true });
  let start = 0;
  parser.on('opentagstart', (t) => { start = parser.position - 1 - t.name.length; });
  parser.on('opentag', (t) => {
    const attrs = new Map<string, number>();
    const tag = text.slice(start, parser.position);
    for (const a of Object.values(t.attributes)) {
      const m = new RegExp(`\\s${a.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=`).exec(tag);
      if (m) attrs.set(a.local, start + m.index + 1);
    }
    const e: ElementInfo = { ns: t.uri ?? '', local: t.local ?? t.name, at: start, endAt: start, attrs, parent: open.at(-1) };
    out.push(e);
    if (!t.isSelfClosing) open.push(e);
  });
  parser.on('closetag', (t) => {
    if (t.isSelfClosing) return;
    const e = open.pop();
    if (e) e.endAt = text.lastIndexOf('</', parser.position - 1) + 2;
  });
  parser.on('error', (err) => { throw err; });
  try {
    parser.write(text).close();
  } catch {
    return [];
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  int: 'Int32', long: 'Int64', short: 'Int16', byte: 'SByte', unsignedInt: 'UInt32', unsignedLong: 'UInt64', unsignedShort: 'UInt16',
  unsignedByte: 'Byte', decimal: 'Decimal', boolean: 'Boolean', double: 'Double', float: 'Single', dateTime: 'AllXsd',
};
const FACETS: Record<string, string> = {
  enumeration: 'The Enumeration constraint failed.', pattern: 'The Pattern constraint failed.',
  maxLength: 'The actual length is greater than the MaxLength value.', minLength: 'The actual length is less than the MinLength value.',
  length: 'The actual length is not equal to the specified length.', maxInclusive: 'The MaxInclusive constraint failed.',
  minInclusive: 'The MinInclusive constraint failed.', maxExclusive: 'The MaxExclusive constraint failed.',
  minExclusive: 'The MinExclusive constraint failed.', totalDigits: 'The TotalDigits constraint failed.',
  fractionDigits: 'The FractionDigits constraint failed.',
};
const XSD = 'http://www.w3.org/2001/XMLSchema';
/** The integer types .NET reads as a decimal and then checks against a bound (a facet of the type). */
const BOUNDED_INTEGERS: Record<string, string> = {
  positiveInteger: 'MinInclusive', nonNegativeInteger: 'MinInclusive', negativeInteger: 'MaxInclusive', nonPositiveInteger: 'MaxInclusive',
};

/** Why .NET refuses a value for a built-in type: its parse error, or the facet an integer breaks. */
function datatypeReason(value: string, type: string): string {
  const integral = /^\s*[+-]?\d+\s*$/.test(value);
  if (integral && BOUNDED_INTEGERS[type]) return `The ${BOUNDED_INTEGERS[type]} constraint failed.`;
  if (integral && ['Int32', 'Int64', 'Int16', 'SByte', 'UInt32', 'UInt64', 'UInt16', 'Byte'].includes(TYPE_NAMES[type] ?? '')) return `Value was either too large or too small for ${/^[AEIOU]/.test(TYPE_NAMES[type]!) ? 'an' : 'a'} ${TYPE_NAMES[type]}.`;
  if (BOUNDED_INTEGERS[type] || type === 'integer') return `The string '${value}' is not a valid Integer value.`;
  const net = TYPE_NAMES[type];
  return net ? `The string '${value}' is not a valid ${net} value.` : `The value '${value}' is not a valid ${type} value.`;
}

const qualified = (ns: string, local: string) => (ns ? `${ns}:${local}` : local);
const named = (ns: string, local: string) => (ns ? `'${local}' in namespace '${ns}'` : `'${local}'`);

/** libxml2's `( {ns}a, {ns}b )` as .NET's `'a, b' in namespace 'ns'` (namespaces in order, joined by "as well as"). */
function expectedList(list: string): string {
  const groups = new Map<string, string[]>();
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^\{([^}]*)\}(.*)$/.exec(item);
    const [ns, local] = m ? [m[1]!, m[2]!] : ['', item];
    groups.set(ns, [...(groups.get(ns) ?? []), local]);
  }
  return [...groups].map(([ns, names]) => (ns ? `'${names.join(', ')}' in namespace '${ns}'` : `'${names.join(', ')}'`)).join(' as well as ');
}

/** Translate libxml2's validation errors of one body into .NET's messages and positions. */
export function dotNetXsdErrors(text: string, errors: readonly XmlValidationError[]): XmlValidationError[] {
  // linear in the body and the errors (a body of many invalid elements must not cost their product)
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const position = (i: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (lineStarts[mid]! <= i) lo = mid; else hi = mid - 1; }
    return { line: lo + 1, column: i - lineStarts[lo]! + 1 };
  };
  // the elements of each name on each line, in order: an error takes the next one of its name on its line
  const byName = new Map<string, { first: ElementInfo[]; lines: Map<number, ElementInfo[]> }>();
  for (const e of indexElements(text)) {
    const line = position(e.at).line;
    const named = byName.get(`${e.ns}|${e.local}`);
    const list = named?.lines.get(line);
    if (list) list.push(e);
    else if (named) named.lines.set(line, [e]);
    else { const first = [e]; byName.set(`${e.ns}|${e.local}`, { first, lines: new Map([[line, first]]) }); }
  }
  const cursors = new Map<ElementInfo[], number>();
  const find = (ns: string, local: string, line: number): ElementInfo | undefined => {
    const named = byName.get(`${ns}|${local}`);
    const list = named?.lines.get(line) ?? named?.first;
    if (!list) return undefined;
    const n = cursors.get(list) ?? 0;
    cursors.set(list, Math.min(n + 1, list.length - 1));
    return list[Math.min(n, list.length - 1)];
  };
  return errors.map((err) => {
    const m = /^Element '(?:\{([^}]*)\})?([^']+)'(?:, attribute '([^']+)')?: (.*)$/s.exec(err.message);
    if (!m) return err;
    const [, ns = '', local = '', attr, rest = ''] = m;
    const el = find(ns, local, err.line);
    const at = (i: number | undefined, message: string): XmlValidationError => {
      if (i === undefined) return { ...err, message };
      const p = position(i);
      return { message, line: p.line, position: p.column };
    };
    let r: RegExpExecArray | null;
    if ((r = /^This element is not expected\.(?: Expected is (?:one of )?\( (.*) \)\.)?$/s.exec(rest))) {
      const parent = el?.parent;
      if (!parent) return err;
      const head = `The element ${named(parent.ns, parent.local)} has invalid child element ${named(ns, local)}.`;
      return at(el?.at, r[1] ? `${head} List of possible elements expected: ${expectedList(r[1])}.` : head);
    }
    if ((r = /^Missing child element\(s\)\. Expected is (?:one of )?\( (.*) \)\.$/s.exec(rest))) {
      return at(el?.endAt, `The element ${named(ns, local)} has incomplete content. List of possible elements expected: ${expectedList(r[1]!)}.`);
    }
    if (rest === 'No matching global declaration available for the validation root.') return at(el?.at, `The '${qualified(ns, local)}' element is not declared.`);
    if ((r = /^The attribute '([^']+)' is required but missing\.$/.exec(rest))) return at(el?.at, `The required attribute '${r[1]}' is missing.`);
    if ((r = /^The attribute '([^']+)' is not allowed\.$/.exec(rest))) return at(el?.attrs.get(r[1]!) ?? el?.at, `The '${r[1]}' attribute is not declared.`);
    const what = attr ? `The '${attr}' attribute is invalid` : `The '${qualified(ns, local)}' element is invalid`;
    const where = attr ? el?.attrs.get(attr.replace(/^\{[^}]*\}/, '')) ?? el?.at : el?.endAt;
    if ((r = /^'(.*)' is not a valid value of the atomic type 'xs:([A-Za-z]+)'\.$/s.exec(rest))) {
      const [, value, type] = r;
      return at(where, `${what} - The value '${value}' is invalid according to its datatype '${XSD}:${type}' - ${datatypeReason(value!, type!)}`);
    }
    if ((r = /^\[facet '([A-Za-z]+)'\] The value '(.*?)' /s.exec(rest)) && FACETS[r[1]!]) {
      return at(where, `${what} - The value '${r[2]}' is invalid according to its datatype 'String' - ${FACETS[r[1]!]}`);
    }
    return err;
  });
}
