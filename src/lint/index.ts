export { lintDeployments } from './lint.js';
export type { LintOptions, LintResult } from './lint.js';
export { RULES, RULE_BY_ID } from './rules.js';
export type { Finding, LintLevel, LintRule } from './rules.js';
export type { LintLocation } from './source-map.js';
export { toSarif } from './sarif.js';
