/**
 * System.IO.StringReader and StringWriter (APIM allows all their members): reading a body line by line, writing text
 * with `WriteLine` (CRLF, as on APIM's Windows gateways). Everything stays in memory; sizes go through the meter.
 */
import type { Env, StaticTable, TypeTable } from './member-types.js';
import { NEWLINE, StringBuilderV } from './lib-string.js';
import { argumentNull, netError, requireString, toDotNetString, type HostValue, type Value } from './values.js';

export class StringReaderV implements HostValue {
  readonly $type = 'StringReader';
  pos = 0;
  closed = false;
  constructor(readonly text: string) {}
  netString(): string { return 'System.IO.StringReader'; }
  open(): string {
    if (this.closed) throw netError('ObjectDisposedException', 'Cannot read from a closed TextReader.');
    return this.text;
  }
}

export class StringWriterV implements HostValue {
  readonly $type = 'StringWriter';
  readonly builder = new StringBuilderV();
  netString(): string { return this.builder.text; }
}

const reader = (v: Value) => v as StringReaderV;
const writer = (v: Value) => v as StringWriterV;

function write(v: Value, s: string, env: Env): null {
  const b = writer(v).builder;
  env.meter.string(b.text.length + s.length);
  b.text += s;
  return null;
}

export const IO_TABLES: Record<string, TypeTable> = {
  StringReader: {
    props: {},
    methods: {
      ReadLine: {
        type: 'String',
        call: (v) => {
          const r = reader(v);
          const t = r.open();
          if (r.pos >= t.length) return null;
          let end = r.pos;
          while (end < t.length && t[end] !== '\n' && t[end] !== '\r') end++;
          const line = t.slice(r.pos, end);
          r.pos = t[end] === '\r' && t[end + 1] === '\n' ? end + 2 : end + 1;
          return line;
        },
      },
      ReadToEnd: { type: 'String', call: (v) => { const r = reader(v); const t = r.open().slice(r.pos); r.pos = r.text.length; return t; } },
      Read: { type: 'Int32', call: (v) => { const r = reader(v); const t = r.open(); return r.pos < t.length ? t.charCodeAt(r.pos++) : -1; } },
      Peek: { type: 'Int32', call: (v) => { const r = reader(v); const t = r.open(); return r.pos < t.length ? t.charCodeAt(r.pos) : -1; } },
      Close: { type: 'Void', call: (v) => { reader(v).closed = true; return null; } },
      Dispose: { type: 'Void', call: (v) => { reader(v).closed = true; return null; } },
    },
  },
  StringWriter: {
    props: { NewLine: { type: 'String', get: () => NEWLINE } },
    methods: {
      Write: { type: 'Void', call: (v, [x], _t, env) => write(v, x === undefined || x === null ? '' : toDotNetString(x), env) },
      WriteLine: { type: 'Void', call: (v, [x], _t, env) => write(v, (x === undefined || x === null ? '' : toDotNetString(x)) + NEWLINE, env) },
      GetStringBuilder: { type: 'StringBuilder', call: (v) => writer(v).builder },
      ToString: { type: 'String', call: (v) => writer(v).builder.text },
      Flush: { type: 'Void', call: () => null },
      Close: { type: 'Void', call: () => null },
      Dispose: { type: 'Void', call: () => null },
    },
  },
};

export const IO_STATICS: Record<string, StaticTable> = {
  StringReader: {
    props: {},
    methods: {},
    ctor: ([s]) => {
      if (s === null || s === undefined) throw argumentNull('s');
      return new StringReaderV(requireString(s, 's'));
    },
  },
  StringWriter: { props: {}, methods: {}, ctor: () => new StringWriterV() },
};
