import { TwinError, isTwinError } from '../../core/index.js';
import { compileExpression, isExpressionText, type CompiledExpression } from '../expressions/compile.js';
import { ExpressionRuntimeError } from '../expressions/values.js';
import { PolicyError } from '../pipeline/errors.js';
import type { SectionName } from '../pipeline/request-run.js';
import { KNOWN_UNSUPPORTED, POLICIES } from '../policies/registry.js';
import type { CompileContext, Step, StepBase, ValueSource } from '../policies/types.js';
import type { PolicyNode } from './xml.js';

/** Marks where `<base/>` stood in a section, replaced during composition. */
export const BASE = Symbol('base');
export type SectionEntry = Step | typeof BASE;

export interface CompileSettings {
  loose: boolean;
  file: string | undefined;
  scope: string;
  warnings: string[];
  fragment: boolean;
}

export function locate(settings: CompileSettings, node: PolicyNode): { file: string | undefined; line: number; column: number } {
  return { file: settings.file, line: node.line, column: node.column };
}

function where(settings: CompileSettings, node: PolicyNode): string {
  return `${settings.file ? settings.file + ':' : 'line '}${node.line}:${node.column}`;
}

/** A step that fails when reached (loose mode stand-in for an element that could not be compiled). */
function failingStep(base: StepBase, reason: string, message: string): Step {
  return { ...base, run() { throw new PolicyError({ source: base.name, reason, message }); } };
}

export function makeContext(settings: CompileSettings, section: SectionName, pathPrefix: string, target: 'request' | 'response'): CompileContext {
  const cc: CompileContext = {
    loose: settings.loose,
    file: settings.file,
    scope: settings.scope,
    section,
    target,
    warnings: settings.warnings,
    pathPrefix,
    error(code, node, message) {
      return new TwinError(code, message, { location: locate(settings, node) });
    },
    problem(code, node, message) {
      if (!settings.loose) throw cc.error(code, node, message);
      settings.warnings.push(`${code}: ${message} at ${where(settings, node)}`);
    },
    expression(node, source, what): CompiledExpression {
      try {
        return compileExpression(source);
      } catch (e) {
        if (!isTwinError(e)) throw e;
        const offset = typeof e.details?.offset === 'number' ? ` (offset ${e.details.offset})` : '';
        const err = new TwinError(e.code, `${e.message}${offset} in ${what} of <${node.name}>: ${source.trim().slice(0, 200)}`, {
          location: locate(settings, node), details: e.details,
        });
        if (!settings.loose) throw err;
        settings.warnings.push(`${err.code}: ${err.message} at ${where(settings, node)}`);
        const msg = err.message;
        return { source, resultType: 'Object', evaluate() { throw new ExpressionRuntimeError('NotSupportedException', msg); } };
      }
    },
    value(node, text, what, allowExpression = true): ValueSource | undefined {
      if (text === undefined) return undefined;
      if (!isExpressionText(text)) {
        // A value that opens an expression but does not close it is not literal text to APIM: it refuses it on save.
        if (/^\s*@[({]/.test(text)) cc.problem('ERR_APIM_EXPRESSION_SYNTAX', node, `The expression in ${what} of <${node.name}> is not closed: ${text.trim().slice(0, 200)}`);
        return { isExpression: false, literal: text, get: () => text };
      }
      if (!allowExpression) {
        cc.problem('ERR_APIM_POLICY_EXPRESSION_NOT_ALLOWED', node, `Expressions are not allowed in ${what} of <${node.name}>`);
      }
      const compiled = cc.expression(node, text, what);
      return { isExpression: true, literal: text, get: (rc) => compiled.evaluate(rc) };
    },
    children(nodes, prefix, childTarget) {
      return compileSteps(settings, section, nodes, prefix, childTarget ?? target).filter((s): s is Step => s !== BASE);
    },
  };
  return cc;
}

/** Compile the elements of one section (or of a nested body); `<base/>` becomes BASE. */
export function compileSteps(settings: CompileSettings, section: SectionName, nodes: PolicyNode[], prefix: string, target: 'request' | 'response'): SectionEntry[] {
  const out: SectionEntry[] = [];
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const n = (counts.get(node.name) ?? 0) + 1;
    counts.set(node.name, n);
    const path = `${prefix ? prefix + '/' : ''}${node.name}[${n}]`;
    const base: StepBase = { name: node.name, id: node.attrs.id ?? '', location: locate(settings, node), scope: settings.scope, path };
    const cc = makeContext(settings, section, prefix, target);
    if (node.name === 'base') {
      if (settings.fragment) throw cc.error('ERR_APIM_POLICY_STRUCTURE', node, '<base/> is not allowed in a policy fragment');
      if (prefix) { cc.problem('ERR_APIM_POLICY_STRUCTURE', node, '<base/> must stand directly in a section'); continue; }
      out.push(BASE);
      continue;
    }
    const def = POLICIES.get(node.name);
    if (!def) {
      const known = KNOWN_UNSUPPORTED.has(node.name);
      const code = known ? 'ERR_APIM_POLICY_UNSUPPORTED' : 'ERR_APIM_POLICY_UNKNOWN_ELEMENT';
      const msg = known ? `The policy <${node.name}> is not supported by the twin yet` : `There is no policy matching element name '${node.name}'`;
      cc.problem(code, node, msg);
      out.push(failingStep(base, known ? 'PolicyNotSupported' : 'UnknownPolicy', msg));
      continue;
    }
    if (!def.sections.includes(section)) {
      const msg = `<${node.name}> is not allowed in the ${section} section (allowed: ${def.sections.join(', ')})`;
      cc.problem('ERR_APIM_POLICY_SECTION', node, msg);
      out.push(failingStep(base, 'PolicyNotAllowedInSection', msg));
      continue;
    }
    for (const a of Object.keys(node.attrs)) {
      if (a !== 'id' && !def.attributes.includes(a) && !a.startsWith('xmlns')) cc.problem('ERR_APIM_POLICY_ATTRIBUTE', node, `<${node.name}> has no attribute '${a}'`);
    }
    out.push(def.compile(node, cc, base));
  }
  return out;
}
