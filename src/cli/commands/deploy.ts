import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Agent, request } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../arm/index.js';
import { parse } from 'jsonc-parser';
import { readReadyFile } from '../ready-file.js';
import { collectInputs } from '../inputs.js';

export interface DeployCommandOptions {
  dirs: string[];
  template: string[];
  parameters: string[];
  readyFile: string;
  mode?: string;
  name?: string;
}

/** `trustline deploy`: PUT a deployment to the running twin's control plane (ARM REST). */
export async function deployCommand(opts: DeployCommandOptions, out: (l: string) => void): Promise<number> {
  const ready = readReadyFile(opts.readyFile);
  const inputs = collectInputs(opts.dirs, opts.template, opts.parameters);
  const dispatcher = new Agent({ connect: { ca: readFileSync(ready.caCertificate, 'utf8') } });
  let failures = 0;
  try {
    for (const [i, f] of inputs.entries()) {
      const name = opts.name ?? `${basename(f.template, '.json')}-${Date.now()}-${i}`;
      const template = parse(loadTemplateFile(f.template).text, [], { allowTrailingComma: true }) as unknown;
      const parameters = f.parameters ? loadParametersFile(f.parameters) : {};
      const params = (parameters as { parameters?: unknown }).parameters ?? parameters;
      const url = `${ready.controlPlane}/subscriptions/${ready.subscriptionId}/resourcegroups/${ready.resourceGroup}/providers/Microsoft.Resources/deployments/${encodeURIComponent(name)}?api-version=2021-04-01`;
      const res = await request(url, {
        method: 'PUT',
        dispatcher,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { mode: opts.mode ?? 'Incremental', template, parameters: params } }),
      });
      const body = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) out(`deployed ${f.template} as ${name}`);
      else {
        failures += 1;
        out(`deployment ${name} failed (${res.statusCode}): ${body}`);
      }
    }
  } finally {
    await dispatcher.close();
  }
  return failures === 0 ? 0 : 1;
}
