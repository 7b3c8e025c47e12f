import { decodeXmlEntities, maskExpressions } from '../../gateway/index.js';
import type { ResourceRecord } from '../../state/index.js';

type Context = 'text' | 'tag' | 'dq' | 'sq';

/** Where each expression placeholder of a masked policy sits: element text, or a `"`/`'` attribute value. */
function spanContexts(masked: string): Context[] {
  const out: Context[] = [];
  let state: Context = 'text';
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i]!;
    const code = c.charCodeAt(0);
    if (code >= 0xe100 && code <= 0xf8ff) {
      out.push(state);
      continue;
    }
    if (state === 'text') {
      if (masked.startsWith('<!--', i)) {
        const e = masked.indexOf('-->', i + 4);
        i = e < 0 ? masked.length : e + 2;
      } else if (masked.startsWith('<![CDATA[', i)) {
        const e = masked.indexOf(']]>', i + 9);
        i = e < 0 ? masked.length : e + 2;
      } else if (c === '<') state = 'tag';
    } else if (state === 'tag') {
      if (c === '>') state = 'text';
      else if (c === '"') state = 'dq';
      else if (c === "'") state = 'sq';
    } else if ((state === 'dq' && c === '"') || (state === 'sq' && c === "'")) state = 'tag';
  }
  return out;
}

function escapeFor(raw: string, ctx: Context): string {
  let s = raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (ctx === 'dq') s = s.replace(/"/g, '&quot;');
  if (ctx === 'sq') s = s.replace(/'/g, '&apos;');
  return s;
}

/**
 * A stored policy document in the format a GET asks for (`?format=`), as APIM exports it: `rawxml` gives the
 * policy expressions (`@(…)`, `@{…}`) as written, `xml` (APIM's default) as well-formed XML, their `&`, `<`, `>`
 * (and the attribute's quote) escaped as entities. The XML around the expressions is left as stored.
 */
export function policyInFormat(value: string, format: 'xml' | 'rawxml'): string {
  const { masked, spans } = maskExpressions(value);
  if (spans.length === 0) return value;
  const contexts = format === 'xml' ? spanContexts(masked) : [];
  let out = '';
  let last = 0;
  spans.forEach((span, n) => {
    const raw = decodeXmlEntities(span.text);
    out += value.slice(last, span.start) + (format === 'rawxml' ? raw : escapeFor(raw, contexts[n] ?? 'text'));
    last = span.end;
  });
  return out + value.slice(last);
}

const POLICY_TYPES = /^microsoft\.apimanagement\/service\/(policies|apis\/policies|apis\/operations\/policies|products\/policies|policyfragments)$/i;

/**
 * An APIM policy or policy fragment as the service answers it (GET, and reference(), which reads that GET): `format` is
 * the format asked for (`xml`, APIM's default, or `rawxml`), never the one it was saved with, and `value` the document in
 * that format; a linked (`xml-link`/`rawxml-link`) document is answered inline with what was read when it was saved.
 * Any other record is returned as it is.
 */
export function answeredPolicy<R extends Pick<ResourceRecord, 'type' | 'properties' | 'listResults'>>(r: R, format: 'xml' | 'rawxml' = 'xml'): R {
  if (!POLICY_TYPES.test(r.type)) return r;
  const props = r.properties as { format?: unknown; value?: unknown };
  const linked = typeof props.format === 'string' && props.format.toLowerCase().endsWith('-link');
  const content = linked ? r.listResults?.['content'] : props.value;
  if (typeof content !== 'string') return r;
  return { ...r, properties: { ...r.properties, format, value: policyInFormat(content, format) } };
}
