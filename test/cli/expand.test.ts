/**
 * `trustline expand` (ARCHITECTURE.md Contracts): the expanded deployment, nested deployments included,
 * deterministic, `--json` shape, exit codes, placeholders and missing parameters filled.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trustline-expand-'));
  mkdirSync(join(dir, 'nested'));
  const template = {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    parameters: {
      prefix: { type: 'string', minLength: 5 },
      password: { type: 'securestring' },
      stamp: { type: 'string', defaultValue: "[utcNow('yyyy-MM-dd')]" },
      id: { type: 'string', defaultValue: '[newGuid()]' },
    },
    resources: [
      { type: 'Microsoft.Storage/storageAccounts', apiVersion: '2022-09-01', name: "[concat(parameters('prefix'), 'st')]", location: 'westeurope', sku: { name: 'Standard_LRS' }, kind: 'StorageV2', properties: { minimumTlsVersion: 'TLS1_2', nothing: '[null()]' } },
      {
        type: 'Microsoft.Resources/deployments',
        apiVersion: '2022-09-01',
        name: 'child',
        dependsOn: ["[resourceId('Microsoft.Storage/storageAccounts', concat(parameters('prefix'), 'st'))]"],
        properties: { mode: 'Incremental', templateLink: { relativePath: 'nested/child.json' }, parameters: { n: { value: "[parameters('prefix')]" } } },
      },
    ],
    outputs: { stamp: { type: 'string', value: "[parameters('stamp')]" }, id: { type: 'string', value: "[parameters('id')]" }, child: { type: 'string', value: "[reference('child').outputs.name.value]" } },
  };
  writeFileSync(join(dir, 'azuredeploy.json'), JSON.stringify(template, null, 2));
  writeFileSync(
    join(dir, 'nested', 'child.json'),
    JSON.stringify({ parameters: { n: { type: 'string' } }, resources: [{ type: 'My.Rp/widgets', apiVersion: '2024-01-01', name: "[concat(parameters('n'), '-w')]", properties: { size: 3 } }], outputs: { name: { type: 'string', value: "[concat(parameters('n'), '-w')]" } } }),
  );
  writeFileSync(join(dir, 'azuredeploy.parameters.json'), JSON.stringify({ parameters: { prefix: { value: 'GEN-UNIQUE-8' }, password: { value: 'GEN-PASSWORD' } } }));
  return dir;
}

describe('trustline expand', () => {
  it('--json: resources in deployment order with ARM bodies, the nested deployment and its resources, outputs; deterministic', async () => {
    const dir = fixture();
    const args = ['expand', join(dir, 'azuredeploy.json'), '--parameters', join(dir, 'azuredeploy.parameters.json'), '--fill-placeholders', '--json', '--now', '2025-03-04T05:06:07Z', '--seed', '42'];
    const r = await run(args);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { resources: Array<Record<string, unknown>>; outputs: Record<string, unknown> };
    expect(doc.resources.map((x) => [x['type'], x['deployment']])).toEqual([
      ['Microsoft.Storage/storageAccounts', 'azuredeploy'],
      ['Microsoft.Resources/deployments', 'azuredeploy'],
      ['My.Rp/widgets', 'child'],
    ]);
    const [storage, child, widget] = doc.resources as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect(storage).toMatchObject({ apiVersion: '2022-09-01', location: 'westeurope', sku: { name: 'Standard_LRS' }, kind: 'StorageV2', properties: { minimumTlsVersion: 'TLS1_2' }, dependsOn: [] });
    expect(storage['properties']).not.toHaveProperty('nothing');
    expect(String(storage['name'])).toMatch(/^[a-z][a-z0-9]{7}st$/);
    expect(child['dependsOn']).toEqual([storage['id']]);
    expect(child['properties']).toMatchObject({ mode: 'Incremental', templateLink: { relativePath: 'nested/child.json' } });
    expect(widget).toMatchObject({ name: `${String(storage['name']).slice(0, -2)}-w`, properties: { size: 3 } });
    expect(doc.outputs['stamp']).toBe('2025-03-04');
    expect(doc.outputs['child']).toBe(widget['name']);
    expect(doc.outputs['id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await run(args)).out).toBe(r.out);
    const other = JSON.parse((await run([...args.slice(0, -1), '43'])).out) as typeof doc;
    expect(other.outputs['id']).not.toBe(doc.outputs['id']);
  });

  it('--fill-missing gives required parameters valid values; without it the missing parameter is an error with its location (exit 1)', async () => {
    const dir = fixture();
    const strict = await run(['expand', join(dir, 'azuredeploy.json')]);
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/azuredeploy\.json:\d+:\d+ \(parameters\.prefix\): ERR_ARM_PARAMETER_MISSING/);
    const filled = await run(['expand', join(dir, 'azuredeploy.json'), '--fill-missing']);
    expect(filled.code).toBe(0);
    expect(filled.out).toMatch(/3 resource\(s\)/);
  });

  it('an unknown function: error (exit 1); --loose evaluates it as null with a warning and still exits 1; --json error body', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-expand-'));
    writeFileSync(join(dir, 't.json'), JSON.stringify({ resources: [], outputs: { x: { type: 'string', value: "[noSuchFunction('a')]" } } }));
    const strict = await run(['expand', join(dir, 't.json'), '--json']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.out)).toMatchObject({ error: { code: 'ERR_ARM_FUNCTION_UNKNOWN', location: { jsonPath: 'outputs.x.value' } } });
    const loose = await run(['expand', join(dir, 't.json'), '--loose', '--json']);
    expect(loose.code).toBe(1);
    expect(loose.err).toContain("warning: The template function 'noSuchFunction' is not valid");
    expect(JSON.parse(loose.out)).toEqual({ resources: [], outputs: { x: null } });
    expect((await run(['expand', join(dir, 't.json'), '--now', 'yesterday'])).code).toBe(2);
    // A file the command line names that is not there: a usage error (exit 2), as for up, deploy and lint.
    const missing = await run(['expand', join(dir, 'nope.json')]);
    expect([missing.code, missing.err]).toEqual([2, `trustline: ERR_CLI_INPUT: template ${join(dir, 'nope.json')} does not exist\n`]);
    expect((await run(['expand', join(dir, 't.json'), '--parameters', join(dir, 'nope.parameters.json')])).err).toContain('ERR_CLI_INPUT: parameters file');
  });

  it('--link-root PREFIX=DIR reads http(s) linked templates from an offline mirror (repeatable); without one the link is an error naming the URI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-expand-'));
    const mirror = join(dir, 'mirror');
    const other = join(dir, 'other');
    mkdirSync(join(mirror, 'modules'), { recursive: true });
    mkdirSync(other);
    const link = (name: string, uri: string) => ({ type: 'Microsoft.Resources/deployments', apiVersion: '2022-09-01', name, properties: { mode: 'Incremental', templateLink: { uri } } });
    writeFileSync(
      join(dir, 'main.json'),
      JSON.stringify({
        resources: [link('a', 'https://example.invalid/templates/modules/a.json?sv=1'), link('b', 'https://cdn.example.invalid/b.json')],
        outputs: { a: { type: 'string', value: "[reference('a').outputs.uri.value]" }, b: { type: 'string', value: "[reference('b').outputs.uri.value]" } },
      }),
    );
    const child = (kind: string) =>
      JSON.stringify({ resources: [{ type: 'My.Rp/widgets', apiVersion: '2024-01-01', name: kind, properties: {} }], outputs: { uri: { type: 'string', value: '[deployment().properties.templateLink.uri]' } } });
    writeFileSync(join(mirror, 'modules', 'a.json'), child('a'));
    writeFileSync(join(other, 'b.json'), child('b'));
    const main = join(dir, 'main.json');
    const r = await run(['expand', main, '--json', '--link-root', `https://example.invalid/templates/=${mirror}`, '--link-root', `https://cdn.example.invalid/=${other}`]);
    expect(r.err).toBe('');
    expect(r.out).not.toContain('"error"');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { resources: Array<Record<string, unknown>>; outputs: Record<string, unknown> };
    expect(doc.resources.filter((x) => x['type'] === 'My.Rp/widgets').map((x) => [x['name'], x['deployment']])).toEqual([['a', 'a'], ['b', 'b']]);
    // deployment().properties.templateLink.uri stays the URI the template named, as ARM answers it.
    expect(doc.outputs).toEqual({ a: 'https://example.invalid/templates/modules/a.json?sv=1', b: 'https://cdn.example.invalid/b.json' });

    const missing = await run(['expand', main, '--link-root', `https://example.invalid/templates/=${mirror}`]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("ERR_ARM_TEMPLATE_UNSUPPORTED: The nested deployment 'b'");
    expect(missing.err).toContain("the linked template 'https://cdn.example.invalid/b.json' is not reachable");
    // A mirror never serves a file outside its folder.
    writeFileSync(join(dir, 'escape.json'), JSON.stringify({ resources: [link('up', 'https://example.invalid/templates/../other/b.json')] }));
    const escape = await run(['expand', join(dir, 'escape.json'), '--link-root', `https://example.invalid/templates/=${mirror}`]);
    expect(escape.code).toBe(1);
    expect(escape.err).toContain('is not reachable');

    for (const bad of ['no-equals-sign', `=${mirror}`, 'https://example.invalid/=', `https://example.invalid/=${join(dir, 'main.json')}`]) {
      const e = await run(['expand', main, '--link-root', bad]);
      expect(e.code).toBe(2);
      expect(e.err).toContain('--link-root');
    }
  });

  it('--prereq TEMPLATE [--prereq-parameters F]: the prerequisite expands first; its outputs fill GET-PREREQ-<output>, its resources exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-expand-'));
    mkdirSync(join(dir, 'prereqs'));
    writeFileSync(
      join(dir, 'prereqs', 'prereq.azuredeploy.json'),
      JSON.stringify({
        parameters: { prefix: { type: 'string' } },
        resources: [{ type: 'Microsoft.Network/virtualNetworks', apiVersion: '2023-04-01', name: "[concat(parameters('prefix'), '-vnet')]", location: 'westeurope', properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] } } }],
        outputs: { vnetName: { type: 'string', value: "[concat(parameters('prefix'), '-vnet')]" } },
      }),
    );
    writeFileSync(join(dir, 'prereqs', 'prereq.azuredeploy.parameters.json'), JSON.stringify({ parameters: { prefix: { value: 'pre' } } }));
    writeFileSync(
      join(dir, 'azuredeploy.json'),
      JSON.stringify({
        parameters: { vnetName: { type: 'string' } },
        resources: [],
        outputs: { space: { type: 'array', value: "[reference(resourceId('Microsoft.Network/virtualNetworks', parameters('vnetName')), '2023-04-01').addressSpace.addressPrefixes]" } },
      }),
    );
    writeFileSync(join(dir, 'azuredeploy.parameters.json'), JSON.stringify({ parameters: { vnetName: { value: 'GET-PREREQ-vnetName' } } }));
    const base = ['expand', join(dir, 'azuredeploy.json'), '--parameters', join(dir, 'azuredeploy.parameters.json'), '--fill-placeholders', '--json'];
    const r = await run([...base, '--prereq', join(dir, 'prereqs', 'prereq.azuredeploy.json'), '--prereq-parameters', join(dir, 'prereqs', 'prereq.azuredeploy.parameters.json')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ resources: [], outputs: { space: ['10.0.0.0/16'] } });
    // Without the prerequisite the network is presumed (no address space): the output cannot be read.
    expect((await run(base)).code).toBe(1);
    expect((await run([...base, '--prereq', join(dir, 'nope.json')])).code).toBe(2);
    expect((await run([...base, '--prereq-parameters', join(dir, 'azuredeploy.parameters.json')])).code).toBe(2);
  });

  it("a parameter without a value and no --parameters: the hint names the parameters file beside the template", async () => {
    const r = await run(['expand', join(import.meta.dirname, '../../examples/seed/azuredeploy.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ERR_ARM_PARAMETER_MISSING/);
    expect(r.err).toMatch(/hint: no --parameters given; \S+examples\/seed\/azuredeploy\.parameters\.json is beside the template: --parameters \S+azuredeploy\.parameters\.json/);
    const dir = mkdtempSync(join(tmpdir(), 'trustline-expand-lone-'));
    writeFileSync(join(dir, 'azuredeploy.json'), JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', parameters: { p: { type: 'string' } }, resources: [] }));
    const lone = await run(['expand', join(dir, 'azuredeploy.json')]);
    expect(lone.code).toBe(1);
    expect(lone.err).not.toContain('hint:');
  });
});
