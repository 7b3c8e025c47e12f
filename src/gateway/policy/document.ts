import { TwinError } from '../../core/index.js';
import type { SectionName } from '../pipeline/request-run.js';
import { BASE, compileSteps, type SectionEntry } from './compile-context.js';
import { namedValueMap, readWithNamedValues } from './named-values.js';
import { parsePolicyXml, type PolicyNode } from './xml.js';

export const SECTIONS: readonly SectionName[] = ['inbound', 'backend', 'outbound', 'on-error'];

export interface LoadPolicyOptions {
  namedValues?: ReadonlyArray<{ name: string; value: string }> | Record<string, string>;
  loose?: boolean;
  file?: string;
  /** global | product | api | operation (LastError.Scope); default `operation`. */
  scope?: string;
  /** Policy fragments by id (`policyFragments`), for include-fragment. */
  fragments?: ReadonlyArray<{ id: string; value: string; source?: string }>;
  /**
   * Compat flag `namedValuesAfterXmlParse` (docs/differences.md): true (default) puts named values into what the XML
   * holds; false substitutes them into the text before it is read (fragments too).
   */
  namedValuesAfterXmlParse?: boolean;
}

/** A loaded and compiled policy document. Sections absent from the document are `[BASE]` (`[]` at global scope). */
export interface LoadedPolicy {
  readonly kind: 'policies' | 'fragment';
  readonly root: PolicyNode;
  readonly scope: string;
  readonly sections: Readonly<Record<SectionName, readonly SectionEntry[]>>;
  readonly warnings: readonly string[];
}

function toList(nv: LoadPolicyOptions['namedValues']): Array<{ name: string; value: string }> {
  if (!nv) return [];
  if (Array.isArray(nv)) return nv as Array<{ name: string; value: string }>;
  return Object.entries(nv as Record<string, string>).map(([name, value]) => ({ name, value }));
}

/** Parse (rawxml-tolerant), substitute named values into what was read, validate and compile a policy document once. */
export function loadPolicyDocument(xml: string, options: LoadPolicyOptions = {}): LoadedPolicy {
  const file = options.file;
  const scope = options.scope ?? 'operation';
  const warnings: string[] = [];
  const nvMap = namedValueMap(toList(options.namedValues));
  const afterXmlParse = options.namedValuesAfterXmlParse ?? true;
  const root = readWithNamedValues(xml, nvMap, afterXmlParse, (text) => parsePolicyXml(text, file, { loose: options.loose ?? false, warnings }));
  const loc = (n: PolicyNode) => ({ file, line: n.line, column: n.column });
  if (root.name !== 'policies' && root.name !== 'fragment') {
    throw new TwinError('ERR_APIM_POLICY_STRUCTURE', `The root element must be <policies> or <fragment>, not <${root.name}>`, { location: loc(root) });
  }
  const fragments = options.fragments && options.fragments.length
    ? new Map(options.fragments.map((f) => [f.id.toLowerCase(), { value: f.value, source: f.source ?? `policyFragments/${f.id}` }]))
    : undefined;
  const settings = { loose: options.loose ?? false, file, scope, warnings, fragment: root.name === 'fragment', fragments, namedValues: nvMap, namedValuesAfterXmlParse: afterXmlParse };
  const dflt: readonly SectionEntry[] = scope === 'global' ? [] : [BASE];
  const sections: Record<SectionName, readonly SectionEntry[]> = { inbound: dflt, backend: dflt, outbound: dflt, 'on-error': dflt };
  if (root.name === 'fragment') {
    // A fragment's children are policies; compile them section-agnostic for validation: a fragment of backend
    // policies (forward-request, retry around it) is valid, and the section rule applies where it is included.
    const steps = compileSteps({ ...settings, standaloneFragment: true }, 'inbound', root.children, '', 'request');
    return { kind: 'fragment', root, scope, sections: { ...sections, inbound: steps }, warnings };
  }
  const seen = new Set<string>();
  for (const child of root.children) {
    if (!(SECTIONS as readonly string[]).includes(child.name)) {
      const err = new TwinError('ERR_APIM_POLICY_STRUCTURE', `<${child.name}> is not a policy section (inbound, backend, outbound, on-error)`, { location: loc(child) });
      if (!settings.loose) throw err;
      warnings.push(`${err.code}: ${err.message} at ${file ?? 'line '}${child.line}:${child.column}`);
      continue;
    }
    if (seen.has(child.name)) throw new TwinError('ERR_APIM_POLICY_STRUCTURE', `The section <${child.name}> appears twice`, { location: loc(child) });
    seen.add(child.name);
    const section = child.name as SectionName;
    const target = section === 'inbound' || section === 'backend' ? 'request' : 'response';
    sections[section] = compileSteps(settings, section, child.children, '', target);
  }
  return { kind: 'policies', root, scope, sections, warnings };
}

export const DEFAULT_GLOBAL_POLICY = '<policies><inbound/><backend><forward-request/></backend><outbound/><on-error/></policies>';
