import { TwinError, isTwinError } from '../../core/index.js';
import { compileExpression, isExpressionText, type CompiledExpression } from '../expressions/compile.js';
import { ExpressionRuntimeError } from '../expressions/values.js';
import { PolicyError } from '../pipeline/errors.js';
import type { SectionName } from '../pipeline/request-run.js';
import { KNOWN_UNSUPPORTED, NEVER_SUPPORTED, POLICIES } from '../policies/registry.js';
import type { CompileContext, Step, StepBase, ValueSource } from '../policies/types.js';
import { parsePolicyXml, type PolicyNode } from './xml.js';
import { readWithNamedValues } from './named-values.js';

/** Marks where `<base/>` stood in a section, replaced during composition. */
export const BASE = Symbol('base');
export type SectionEntry = Step | typeof BASE;

export interface CompileSettings {
  loose: boolean;
  file: string | undefined;
  scope: string;
  warnings: string[];
  fragment: boolean;
  /**
   * A fragment loaded on its own: the section its policies run in is only known where a document includes it, so the
   * section rule is checked there (include-fragment compiles it again in place), not here.
   */
  standaloneFragment?: boolean;
  /** Policy fragments by id (lower case), as stored (include-fragment). */
  fragments?: ReadonlyMap<string, { value: string; source: string }> | undefined;
  /** Named values by lower-case name, substituted into an included fragment once it is read. */
  namedValues?: ReadonlyMap<string, string>;
  /** Compat flag `namedValuesAfterXmlParse` (default true); false: substituted into a fragment's text before it is read. */
  namedValuesAfterXmlParse?: boolean;
  /** Parsed fragments, shared by every include of one compile. */
  fragmentCache?: Map<string, PolicyNode>;
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

/** "attribute 'x' of <set-header>"; a `what` that already starts with the element (`<value> of <set-header>`) stays as it is. */
function within(node: { name: string }, what: string): string {
  return what.startsWith(`<${node.name}>`) ? what : `${what} of <${node.name}>`;
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
      const subject = within(node, what);
      try {
        return compileExpression(source);
      } catch (e) {
        if (!isTwinError(e)) throw e;
        const offset = typeof e.details?.offset === 'number' ? ` (offset ${e.details.offset})` : '';
        const err = new TwinError(e.code, `${e.message}${offset} in ${subject}: ${source.trim().slice(0, 200)}`, {
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
        if (/^\s*@[({]/.test(text)) cc.problem('ERR_APIM_EXPRESSION_SYNTAX', node, `The expression in ${within(node, what)} is not closed: ${text.trim().slice(0, 200)}`);
        return { isExpression: false, literal: text, get: () => text };
      }
      if (!allowExpression) {
        cc.problem('ERR_APIM_POLICY_EXPRESSION_NOT_ALLOWED', node, `Expressions are not allowed in ${within(node, what)}`);
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
    const base: StepBase = { name: node.name, id: node.attrs.id ?? '', location: locate(settings, node), scope: settings.scope, path, node };
    const cc = makeContext(settings, section, prefix, target);
    if (node.name === 'base') {
      if (settings.fragment) throw cc.error('ERR_APIM_POLICY_STRUCTURE', node, '<base/> is not allowed in a policy fragment');
      if (prefix) { cc.problem('ERR_APIM_POLICY_STRUCTURE', node, '<base/> must stand directly in a section'); continue; }
      out.push(BASE);
      continue;
    }
    if (node.name === 'include-fragment') {
      out.push(...includeFragment(settings, section, node, path, target, cc, base));
      continue;
    }
    const def = POLICIES.get(node.name);
    const never = NEVER_SUPPORTED.get(node.name);
    if (never) throw cc.error('ERR_APIM_POLICY_UNSUPPORTED', node, `The policy <${node.name}> is not supported: ${never}`);
    if (!def) {
      const known = KNOWN_UNSUPPORTED.has(node.name);
      const code = known ? 'ERR_APIM_POLICY_UNSUPPORTED' : 'ERR_APIM_POLICY_UNKNOWN_ELEMENT';
      const msg = known ? `The policy <${node.name}> is not supported by the twin yet` : `There is no policy matching element name '${node.name}'`;
      cc.problem(code, node, msg);
      out.push(failingStep(base, known ? 'PolicyNotSupported' : 'UnknownPolicy', msg));
      continue;
    }
    if (!def.sections.includes(section) && !settings.standaloneFragment) {
      const msg = `<${node.name}> is not allowed in the ${section} section (allowed: ${def.sections.join(', ')})`;
      cc.problem('ERR_APIM_POLICY_SECTION', node, msg);
      out.push(failingStep(base, 'PolicyNotAllowedInSection', msg));
      continue;
    }
    for (const a of Object.keys(node.attrs)) {
      if (a !== 'id' && !def.attributes.includes(a) && !a.startsWith('xmlns')) cc.problem('ERR_APIM_POLICY_ATTRIBUTE', node, `<${node.name}> has no attribute '${a}'`);
    }
    const step = def.compile(node, cc, base);
    out.push(withBodyBuffering(hasCacheStore(node) ? { ...step, run: step.run.bind(step), storesCache: true } : step, node));
  }
  return out;
}

/** Largest fragment APIM accepts (docs/behaviour/apim.md §1.3). */
export const MAX_FRAGMENT_BYTES = 512 * 1024;

/**
 * include-fragment (docs/behaviour/apim.md §1.3): the fragment's policies are compiled in place, as if written here.
 * No expressions in `fragment-id`, no `<base/>` and no nested include-fragment inside a fragment.
 */
function includeFragment(
  settings: CompileSettings, section: SectionName, node: PolicyNode, path: string, target: 'request' | 'response',
  cc: CompileContext, base: StepBase,
): SectionEntry[] {
  for (const a of Object.keys(node.attrs)) {
    if (a !== 'fragment-id' && a !== 'id') cc.problem('ERR_APIM_POLICY_ATTRIBUTE', node, `<include-fragment> has no attribute '${a}'`);
  }
  const id = node.attrs['fragment-id'];
  if (id === undefined || id.trim() === '') throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, "<include-fragment> requires the attribute 'fragment-id'");
  if (/^\s*@[({]/.test(id)) throw cc.error('ERR_APIM_POLICY_EXPRESSION_NOT_ALLOWED', node, "Expressions are not allowed in attribute 'fragment-id' of <include-fragment>");
  if (settings.fragment) throw cc.error('ERR_APIM_POLICY_STRUCTURE', node, 'A policy fragment may not include another fragment');
  const frag = settings.fragments?.get(id.toLowerCase());
  if (!frag) {
    const msg = `The policy fragment '${id}' does not exist`;
    cc.problem('ERR_APIM_POLICY_FRAGMENT', node, msg);
    return [failingStep(base, 'FragmentNotFound', msg)];
  }
  if (Buffer.byteLength(frag.value) > MAX_FRAGMENT_BYTES) throw cc.error('ERR_APIM_POLICY_FRAGMENT', node, `The policy fragment '${id}' is larger than 512 KB`);
  settings.fragmentCache ??= new Map();
  let root = settings.fragmentCache.get(id.toLowerCase());
  if (!root) {
    root = readWithNamedValues(frag.value, settings.namedValues, settings.namedValuesAfterXmlParse ?? true,
      (text) => parsePolicyXml(text, frag.source, { loose: settings.loose, warnings: settings.warnings }));
    if (root.name !== 'fragment') {
      throw new TwinError('ERR_APIM_POLICY_FRAGMENT', `The policy fragment '${id}' must have the root <fragment>, not <${root.name}>`, { location: { file: frag.source, line: root.line, column: root.column } });
    }
    settings.fragmentCache.set(id.toLowerCase(), root);
  }
  const inner: CompileSettings = { ...settings, file: frag.source, fragment: true };
  return compileSteps(inner, section, root.children, path, target);
}

function hasCacheStore(node: PolicyNode): boolean {
  return node.name === 'cache-store' || node.children.some(hasCacheStore);
}

/** Does any attribute or text of the element (its children included) read a message body? */
function bodyReads(node: PolicyNode, acc: { request: boolean; response: boolean }): void {
  const scan = (t: string) => {
    if (!t.includes('Body')) return;
    if (/Request\s*\??\.\s*Body/.test(t)) acc.request = true;
    if (/Response\s*\??\.\s*Body/.test(t)) acc.response = true;
  };
  for (const v of Object.values(node.attrs)) scan(v);
  scan(node.text);
  for (const c of node.children) bodyReads(c, acc);
}

/**
 * Expressions run synchronously, so a step whose expressions read `context.Request.Body` or
 * `context.Response.Body` gets its body buffered first (decided once, at compile time).
 */
function withBodyBuffering(step: Step, node: PolicyNode): Step {
  const acc = { request: false, response: false };
  bodyReads(node, acc);
  if (!acc.request && !acc.response) return step;
  const own = step.before;
  return {
    ...step,
    run: step.run.bind(step),
    async before(rc) {
      await rc.bufferBodies(acc.request, acc.response);
      if (own) await own.call(step, rc);
    },
  };
}
