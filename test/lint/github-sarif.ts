/**
 * What GitHub code scanning's `github/codeql-action/upload-sarif` and the upload endpoint require of a SARIF file
 * beyond the OASIS schema (which the action validates first, with URI-format problems as warnings only):
 * - `runs` is an array and each run has a `results` array (the action's countResultsInSarif: "Invalid SARIF. Missing
 *   'runs' array." / "Missing 'results' array in run.").
 * - one run per tool and category (`automationDetails.id`) in one upload ("only one run … per tool/category").
 * - the hard limits of the upload (docs.github.com "About code scanning limits on SARIF results"): 20 runs per file,
 *   25,000 results per run, 25,000 rules per run, 100 tool extensions per run, 1,000 locations per result, 20 tags per
 *   rule; 10 MB for the gzipped file.
 * - processing refuses "an invalid URI … as a SARIF location", a location without an artifact location
 *   ("locationFromSarifResult: expected artifact location") and a URI whose scheme differs from the checkout's
 *   (`file:`): artifact URIs are relative paths under the checkout, with a 1-based `region.startLine`.
 * - a rule's `security-severity`, when given, is a number ("invalid security severity value, is not a number").
 * - results are matched across uploads by `partialFingerprints.primaryLocationLineHash` (a string), and a result's
 *   `ruleId` names a rule of the run.
 */
import { gzipSync } from 'node:zlib';

interface Log {
  runs?: unknown;
}
type Obj = Record<string, unknown>;
const arr = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});

export function githubUploadProblems(log: Log): string[] {
  const problems: string[] = [];
  const runs = arr(log.runs);
  if (!runs) return ["Invalid SARIF. Missing 'runs' array."];
  if (runs.length > 20) problems.push(`${runs.length} runs: more than 20 runs per file`);
  if (gzipSync(JSON.stringify(log)).length > 10 * 1024 * 1024) problems.push('the gzipped file is larger than 10 MB');
  const categories = new Set<string>();
  for (const [i, r] of runs.entries()) {
    const run = obj(r);
    const driver = obj(obj(run.tool).driver);
    const category = `${String(obj(run.automationDetails).id ?? '')}|${String(driver.name ?? '')}`;
    if (categories.has(category)) problems.push(`runs[${i}]: a second run of tool '${String(driver.name)}' with the same category`);
    categories.add(category);
    const results = arr(run.results);
    if (!results) {
      problems.push("Invalid SARIF. Missing 'results' array in run.");
      continue;
    }
    if (results.length > 25_000) problems.push(`runs[${i}]: ${results.length} results: more than 25,000`);
    const rules = arr(driver.rules) ?? [];
    if (rules.length > 25_000) problems.push(`runs[${i}]: more than 25,000 rules`);
    if ((arr(obj(run.tool).extensions) ?? []).length > 100) problems.push(`runs[${i}]: more than 100 tool extensions`);
    const ruleIds = new Set(rules.map((x) => obj(x).id));
    for (const [k, x] of rules.entries()) {
      const props = obj(obj(x).properties);
      if ((arr(props.tags) ?? []).length > 20) problems.push(`rules[${k}]: more than 20 tags`);
      if (props['security-severity'] !== undefined && Number.isNaN(Number(props['security-severity']))) problems.push(`rules[${k}]: security-severity is not a number`);
    }
    for (const [j, x] of results.entries()) {
      const res = obj(x);
      const at = `runs[${i}].results[${j}]`;
      if (typeof res.ruleId !== 'string' || !ruleIds.has(res.ruleId)) problems.push(`${at}: ruleId '${String(res.ruleId)}' names no rule of the run`);
      if (typeof obj(res.message).text !== 'string') problems.push(`${at}: no message.text`);
      const fp = obj(res.partialFingerprints).primaryLocationLineHash;
      if (typeof fp !== 'string' || fp === '') problems.push(`${at}: no partialFingerprints.primaryLocationLineHash`);
      const locations = arr(res.locations) ?? [];
      if (locations.length > 1000) problems.push(`${at}: more than 1,000 locations`);
      for (const [n, l] of locations.entries()) {
        const physical = obj(obj(l).physicalLocation);
        const uri = obj(physical.artifactLocation).uri;
        if (typeof uri !== 'string') {
          problems.push(`${at}.locations[${n}]: locationFromSarifResult: expected artifact location`);
          continue;
        }
        if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) problems.push(`${at}.locations[${n}]: '${uri}' is not a path relative to the checkout`);
        else if (uri !== encodeURI(decodeURI(uri)) || uri.split('/').includes('..')) problems.push(`${at}.locations[${n}]: an invalid URI was provided as a SARIF location: '${uri}'`);
        const line = obj(physical.region).startLine;
        if (!Number.isInteger(line) || (line as number) < 1) problems.push(`${at}.locations[${n}]: region.startLine is not a line number`);
      }
    }
  }
  return problems;
}
