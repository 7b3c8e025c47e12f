import type { Step } from '../policies/types.js';
import type { SectionName } from '../pipeline/request-run.js';
import { BASE, type SectionEntry } from './compile-context.js';
import { SECTIONS, type LoadedPolicy } from './document.js';

export type EffectivePipeline = Readonly<Record<SectionName, readonly Step[]>>;

/**
 * Effective policy by substitution (docs/behaviour/apim.md §1.3): start from the narrowest document and replace each
 * `<base/>` with the same section of the parent, recursively. `chain` is broadest first
 * (global, api, operation); a missing document behaves as `<base/>` in every section.
 */
export function composePolicies(chain: ReadonlyArray<LoadedPolicy | undefined>): EffectivePipeline {
  const resolve = (level: number, section: SectionName): Step[] => {
    if (level < 0) return [];
    const doc = chain[level];
    if (!doc) return resolve(level - 1, section);
    const out: Step[] = [];
    for (const e of doc.sections[section] as readonly SectionEntry[]) {
      if (e === BASE) out.push(...resolve(level - 1, section));
      else out.push(e);
    }
    return out;
  };
  const top = chain.length - 1;
  const result = {} as Record<SectionName, readonly Step[]>;
  for (const s of SECTIONS) result[s] = resolve(top, s);
  return result;
}
