/** Types of expand-corpus.mjs (plain JavaScript so that the benchmark can use it with the compiled package). */
import type { ExpandOptions, ExpandResult } from '../../../src/arm/index.js';

export function templateFiles(dir: string): string[];
export function groupOf(rel: string): 'quickstart' | 'avm' | 'bicep' | 'other';
export function parametersFileFor(template: string): string | undefined;
export const CORPUS_SCOPE: ExpandOptions['scope'];
export const QUICKSTART_RAW: string;
export function expandOne(expandTemplate: (o: ExpandOptions) => ExpandResult, corpus: string, file: string): { result: string; resources: number };
export function relativeTo(corpus: string, file: string): string;
