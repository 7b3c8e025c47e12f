import { createHash } from 'node:crypto';
import { RULES, type Finding } from './rules.js';

/**
 * The findings as one SARIF 2.1.0 log (OASIS SARIF v2.1.0; the subset GitHub code scanning reads): one run, the rule
 * table as `tool.driver.rules`, each finding a result with its places as physical locations (`uri` relative to the
 * working folder, `region.startLine/startColumn`). The shape is checked against the OASIS schema in
 * test/lint/sarif.test.ts.
 */
export function toSarif(findings: readonly Finding[]): Record<string, unknown> {
  const index = new Map(RULES.map((r, i) => [r.id, i]));
  const seen = new Map<string, number>();
  const fingerprint = (f: Finding) => {
    const base = baseFingerprint(f);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return `${base}:${n}`;
  };
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'trustline',
            rules: RULES.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.description },
              fullDescription: { text: `${r.description} Azure behaviour: ${r.behaviour}.` },
              help: { text: `${r.description} See docs/lint.md (${r.id}) and ${r.behaviour}.` },
              defaultConfiguration: { level: r.level },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule) ?? -1,
          level: f.level,
          message: { text: f.message },
          partialFingerprints: { primaryLocationLineHash: fingerprint(f) },
          locations: f.locations.map((l) => ({
            physicalLocation: {
              artifactLocation: { uri: encodeURI(l.file) },
              region: { startLine: l.line, startColumn: l.column },
            },
            ...(l.jsonPath ? { logicalLocations: [{ fullyQualifiedName: l.jsonPath, kind: 'member' }] } : {}),
          })),
        })),
      },
    ],
  };
}

/**
 * What identifies a finding across runs, whatever moved in the file: the rule, the resource of its first place (its
 * id; a place outside any resource: the file) and the JSON path inside that resource. Lines, columns and message
 * words are not part of it. GitHub code scanning matches alerts across uploads by `partialFingerprints`
 * `primaryLocationLineHash` and computes its own (from the line's text) only when a result has none; findings with
 * the same identity in one log are told apart by their order (`:1`, `:2`, as GitHub's own).
 */
export function baseFingerprint(f: Finding): string {
  const l = f.locations[0];
  const key = JSON.stringify([f.rule, l?.resourceId ?? l?.file ?? '', l?.resourceId !== undefined ? (l.resourcePath ?? '') : (l?.jsonPath ?? '')]);
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
