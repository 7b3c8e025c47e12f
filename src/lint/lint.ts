import { isTwinError } from '../core/index.js';
import type { DeployInput } from '../arm/index.js';
import { createOfflineTwin, type OfflineTwinOptions } from '../runtime/index.js';
import { checkService, type ChainContext } from './chain.js';
import { finding, type Finding } from './rules.js';
import { SourceMap } from './source-map.js';
import { siteHosts } from './site-hosts.js';

/** The twin's settings (tenant, subscription, resource group, location, loose/strict, mirrors, compat flags) and the inputs. */
export interface LintOptions extends OfflineTwinOptions {
  /** The deployments, in order, as `trustline up` would deploy them. */
  deployments: DeployInput[];
  /** Directory files applied after them (`--directory`). */
  directories?: readonly string[];
}

export interface LintResult {
  findings: Finding[];
  /** Warnings of the deployments (loose mode). */
  warnings: string[];
}

const LEVEL_ORDER = { error: 0, warning: 1, note: 2 } as const;

/**
 * `trustline lint`: deploy the inputs into a twin without listeners exactly as `trustline up` would, then run the
 * chain rules over the resulting state (docs/lint.md). A deployment that fails is itself the finding (TL009).
 */
export async function lintDeployments(o: LintOptions): Promise<LintResult> {
  const { deployments, directories, ...settings } = o;
  const twin = await createOfflineTwin(settings);
  const map = new SourceMap();
  const out: Finding[] = [];
  const warnings: string[] = [];
  try {
    for (const input of deployments) {
      try {
        const result = await twin.deploy(input);
        map.add(result.sources);
        warnings.push(...result.warnings);
      } catch (e) {
        out.push(refusal(e, input));
        return { findings: out, warnings };
      }
    }
    for (const file of directories ?? []) {
      try {
        twin.identity.applyDirectory({ file });
      } catch (e) {
        out.push(refusal(e, { deploymentName: file, template: { text: '', file } }));
        return { findings: out, warnings };
      }
    }
    const sites = twin.sites();
    const ctx: ChainContext = { twin, map, sites, hosts: siteHosts(twin.store, sites), memo: new Map(), out };
    for (const svc of await twin.services()) await checkService(ctx, svc);
  } finally {
    twin.close();
  }
  return { findings: dedupe(out).map((f) => withResources(f, map)), warnings };
}

/** Each template place with the resource it belongs to (what SARIF fingerprints are made of). */
function withResources(f: Finding, map: SourceMap): Finding {
  return {
    ...f,
    locations: f.locations.map((l) => {
      const at = l.jsonPath !== undefined ? map.resourceAt(l.file, l.jsonPath) : undefined;
      return at ? { ...l, resourceId: at.id, resourcePath: at.path } : l;
    }),
  };
}

function refusal(e: unknown, input: DeployInput): Finding {
  if (!isTwinError(e)) throw e;
  const file = e.location?.file ?? (input.template as { file?: string }).file ?? input.deploymentName;
  const loc = { file, ...(e.location?.jsonPath ? { jsonPath: e.location.jsonPath } : {}), line: e.location?.line ?? 1, column: e.location?.column ?? 1 };
  return finding('TL009', `${e.code}: ${e.message} Azure would refuse this deployment as well; nothing else was checked.`, [loc]);
}

/** One finding per rule, message and places (the operations of an API usually share it), errors first. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const out = findings.filter((f) => {
    const key = JSON.stringify(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return out.sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
}
