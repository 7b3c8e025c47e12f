import { armError } from '../../errors.js';
import { toFormatString } from '../values.js';

function formatNumber(v: number, spec: string): string {
  const m = /^([A-Za-z])(\d*)$/.exec(spec);
  if (!m) return String(v);
  const kind = m[1]!;
  const digits = m[2] === '' ? undefined : Number(m[2]);
  switch (kind.toUpperCase()) {
    case 'N':
      return v.toLocaleString('en-US', { minimumFractionDigits: digits ?? 2, maximumFractionDigits: digits ?? 2 });
    case 'D': {
      const s = Math.abs(Math.trunc(v)).toString().padStart(digits ?? 0, '0');
      return v < 0 ? '-' + s : s;
    }
    case 'X': {
      const s = (v >>> 0).toString(16).padStart(digits ?? 0, '0');
      return kind === 'X' ? s.toUpperCase() : s;
    }
    case 'F':
      return v.toFixed(digits ?? 2);
    default:
      return String(v);
  }
}

/** .NET composite formatting: `{index[,alignment][:format]}`, `{{` and `}}` escapes. */
export function dotnetFormat(template: string, args: unknown[]): string {
  let out = '';
  let i = 0;
  const bad = (): Error => armError('ERR_ARM_FUNCTION_ARGUMENTS', `Unable to evaluate template language function 'format': the format string '${template}' is not valid.`);
  while (i < template.length) {
    const ch = template[i]!;
    if (ch === '{') {
      if (template[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      const close = template.indexOf('}', i);
      if (close < 0) throw bad();
      const m = /^\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?(?::(.*))?$/.exec(template.slice(i + 1, close));
      if (!m) throw bad();
      const index = Number(m[1]);
      if (index >= args.length) {
        throw armError('ERR_ARM_FUNCTION_ARGUMENTS', `Unable to evaluate template language function 'format': index (zero based) ${index} must be less than the size of the argument list (${args.length}).`);
      }
      const value = args[index];
      let s = typeof value === 'number' && m[3] ? formatNumber(value, m[3]) : toFormatString(value);
      if (m[2]) {
        const width = Number(m[2]);
        s = width < 0 ? s.padEnd(-width) : s.padStart(width);
      }
      out += s;
      i = close + 1;
      continue;
    }
    if (ch === '}') {
      if (template[i + 1] === '}') {
        out += '}';
        i += 2;
        continue;
      }
      throw bad();
    }
    out += ch;
    i++;
  }
  return out;
}
