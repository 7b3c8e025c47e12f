// The ARM expansion conformance over the template corpus, shared by the conformance runner
// (expand.conformance.ts, `npm run conformance`) and the benchmark (bench/suites/arm-expand.mjs).
// `expandTemplate` is passed in, so that the runner uses the sources and the benchmark the compiled package.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

/** Every template file below `dir` (a deployable template: azuredeploy.json, main.json, prereq templates). */
export function templateFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/^(azuredeploy|main|prereq\.azuredeploy)\.json$/i.test(name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The group a corpus template counts in: quickstart, avm, bicep (or other). */
export function groupOf(rel) {
  if (rel.startsWith('_anchors/avm/')) return 'avm';
  if (rel.startsWith('_anchors/bicep/')) return 'bicep';
  if (rel.startsWith('_anchors/')) return 'other';
  return 'quickstart';
}

/** The parameters file that goes with a template (as the quickstart CI pairs them), if any. */
export function parametersFileFor(template) {
  const dir = dirname(template);
  const base = basename(template).replace(/\.json$/i, '');
  for (const candidate of [`${base}.parameters.json`, 'azuredeploy.parameters.json', 'main.parameters.json']) {
    const p = join(dir, candidate);
    if (existsSync(p) && (candidate.startsWith(base) || base === 'azuredeploy' || base === 'main')) return p;
  }
  // The portal's "Export template" pairs template.json with parameters.json.
  if (base === 'template' && existsSync(join(dir, 'parameters.json'))) return join(dir, 'parameters.json');
  return undefined;
}

/** The quickstart repository's raw URL, which hard-coded linked templates use: the corpus mirrors it. */
export const QUICKSTART_RAW = 'https://raw.githubusercontent.com/Azure/azure-quickstart-templates/master/';

export const CORPUS_SCOPE = {
  subscriptionId: '5e7b1c3a-9d2f-4e6a-8b1c-3d5f7a9b1c2e',
  resourceGroup: 'trustline',
  tenantId: 'c1a0f3d2-5b6e-4f7a-8b9c-0d1e2f3a4b5c',
  location: 'westeurope',
};

/**
 * The prerequisite template the quickstart CI deploys before a sample (`prereqs/prereq.azuredeploy.json` beside it, with
 * its parameters file), if the sample has one.
 */
export function prerequisiteFor(file) {
  if (/^prereq\./i.test(basename(file))) return undefined;
  const prereq = join(dirname(file), 'prereqs', 'prereq.azuredeploy.json');
  if (!existsSync(prereq)) return undefined;
  const parameters = parametersFileFor(prereq);
  return { templateFile: prereq, parameterFiles: parameters ? [parameters] : [] };
}

/** `expands`, or `known gap: CODE: message` (first line, shortened; ids and paths of this machine removed). */
export function expandOne(expandTemplate, corpus, file) {
  const parameters = parametersFileFor(file);
  const prerequisite = prerequisiteFor(file);
  try {
    const r = expandTemplate({
      ...(prerequisite ? { prerequisite } : {}),
      templateFile: file,
      parameterFiles: parameters ? [parameters] : [],
      fillPlaceholders: true,
      fillMissing: true,
      loose: false,
      scope: CORPUS_SCOPE,
      linkRoots: [{ prefix: QUICKSTART_RAW, dir: corpus }],
    });
    return { result: 'expands', resources: r.resources.length };
  } catch (e) {
    const code = e && typeof e === 'object' && 'code' in e ? String(e.code) : 'crash';
    const message = String(e && e.message ? e.message : e)
      .split(corpus)
      .join('<corpus>')
      .replace(/\s+/g, ' ')
      .slice(0, 220);
    return { result: `known gap: ${code}: ${message}`, resources: 0 };
  }
}

export function relativeTo(corpus, file) {
  return relative(corpus, file);
}
