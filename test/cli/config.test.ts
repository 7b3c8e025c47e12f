import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';
import { mergeUpConfig, type UpFlags } from '../../src/cli/config/up-config.js';
import { loadProjectFile } from '../../src/cli/config/project-file.js';
import { lockStateFolder } from '../../src/cli/state-lock.js';
import { defaultCompatFlags } from '../../src/easyauth/index.js';
import { defaultGatewayCompatFlags } from '../../src/gateway/index.js';
import { defaultIdentityCompatFlags } from '../../src/identity/index.js';
import { memoryLogger } from '../../src/core/index.js';
import { defaultControlPlaneCompatFlags, startListenerPair } from '../../src/runtime/index.js';
import { createPortPlan, PORT_OFFSETS } from '../../src/runtime/ports.js';
import { ROOT } from '../helpers/cli-process.js';

const SEED = join(ROOT, 'examples', 'seed');
const noFlags: UpFlags = { dirs: [], template: [], parameters: [], backend: [], directory: [], imdsIdentity: [] };

async function run(argv: string[], cwd: string) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), cwd });
  return { code, out, err };
}

function project(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'trustline-config-'));
  writeFileSync(join(dir, 'trustline.json'), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return dir;
}

describe('trustline.json', () => {
  it('is read from the working folder; paths are relative to it; flags override it (--print-config)', async () => {
    const dir = project({
      $schema: './node_modules/trustline/schema/trustline.schema.json',
      deployments: [SEED],
      state: 'twin-state',
      backends: { 'trustline-func': 'http://127.0.0.1:7071' },
      ports: { base: 9100, proxy: 9999, sites: { 'trustline-func': { https: 9443 } } },
      logLevel: 'warn',
      compat: { easyAuth: { implicitApiUriAudience: true } },
    });
    const printed = await run(['up', '--print-config'], dir);
    expect(printed.code, printed.err).toBe(0);
    const config = JSON.parse(printed.out) as Record<string, unknown>;
    expect(config).toMatchObject({
      configFile: join(dir, 'trustline.json'),
      deployments: [{ template: join(SEED, 'azuredeploy.json'), parameters: join(SEED, 'azuredeploy.parameters.json') }],
      state: join(dir, 'twin-state'),
      readyFile: join(dir, 'twin-state', 'ready.json'),
      backends: { 'trustline-func': 'http://127.0.0.1:7071' },
      ports: { base: 9100, pinned: { proxy: 9999 }, sites: { 'trustline-func': { https: 9443 } } },
      logLevel: 'warn',
      proxy: true,
      compat: { easyAuth: { implicitApiUriAudience: true } },
    });
    const overridden = JSON.parse((await run(['up', '--print-config', '--port-base', '0', '--log-level', 'debug', '--state', 'other', '--no-proxy'], dir)).out) as Record<string, unknown>;
    expect(overridden).toMatchObject({ ports: { base: 0 }, logLevel: 'debug', state: join(dir, 'other'), readyFile: join(dir, 'other', 'ready.json'), proxy: false });
  });

  it('without a project file: the defaults (stable ports from 7700)', () => {
    const c = mergeUpConfig(noFlags, undefined, '/w');
    expect(c).toMatchObject({ deployments: [], state: '/w/.trustline', readyFile: '/w/.trustline/ready.json', ports: { base: 7700 }, proxy: true, logLevel: 'info', loose: false });
  });

  it('a file that does not match the schema is a usage error naming the file and the JSON path', async () => {
    const dir = project({ ports: { base: 70000 }, unknownKey: 1 });
    const r = await run(['up', '--print-config'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('ERR_CLI_CONFIG');
    expect(r.err).toContain('ports.base: must be at most 65535');
    expect(r.err).toContain("unknownKey: the property 'unknownKey' is not allowed here");
    const broken = project('{ "logLevel": "info",, }');
    const b = await run(['up', '--print-config'], broken);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/trustline\.json:1:\d+: not valid JSON/);
    // --version needs no project file, even a broken one.
    expect((await run(['--version'], broken)).code).toBe(0);
  });

  it('JSON with comments is accepted; --config names another file', async () => {
    const dir = project('// the twin\n{ "logLevel": "error" }');
    writeFileSync(join(dir, 'ci.json'), '{ "logLevel": "silent" }');
    expect(JSON.parse((await run(['up', '--print-config'], dir)).out)).toMatchObject({ logLevel: 'error' });
    expect(JSON.parse((await run(['--config', 'ci.json', 'up', '--print-config'], dir)).out)).toMatchObject({ logLevel: 'silent', configFile: join(dir, 'ci.json') });
  });

  it("other commands read the ready file the project file names", async () => {
    const dir = project({ readyFile: 'elsewhere/ready.json' });
    const r = await run(['env'], dir);
    // No twin writes that file yet: not a usage error (exit 1), and the message names the file the project file gave.
    expect(r.code).toBe(1);
    expect(r.err).toContain(`ERR_TWIN_NOT_RUNNING: no twin is running at the ready file ${join(dir, 'elsewhere', 'ready.json')}`);
  });

  it('every key of the published schema is read: each one changes the merged configuration', async () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'trustline.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
    const samples: Record<string, unknown> = {
      deployments: [SEED],
      tenant: '11111111-2222-4333-8444-555555555555',
      subscription: '66666666-7777-4888-9999-aaaaaaaaaaaa',
      resourceGroup: 'other-rg',
      location: 'northeurope',
      directory: ['directory.json'],
      imdsIdentities: ['trustline-apim'],
      backends: { 'trustline-func': 'http://127.0.0.1:7071' },
      state: 'elsewhere',
      inMemory: true,
      readyFile: 'ready-here.json',
      proxy: false,
      auth: false,
      strict: true,
      siteDispatch: 'sockets',
      deploymentStepDelayMs: 250,
      ports: { base: 9000 },
      logLevel: 'error',
      loose: true,
      compat: { easyAuth: { implicitApiUriAudience: true } },
    };
    expect(Object.keys(samples).sort()).toEqual(Object.keys(schema.properties).filter((k) => k !== '$schema').sort());
    // The merged configuration with the project folder (fresh each time) written as <dir>.
    const merged = async (content: Record<string, unknown>) => {
      const dir = project({ $schema: join(ROOT, 'schema', 'trustline.schema.json'), ...content });
      const r = await run(['up', '--print-config'], dir);
      expect(r.code, r.err).toBe(0);
      const { configFile: _file, ...config } = JSON.parse(r.out) as Record<string, unknown>;
      return JSON.stringify(config).split(dir).join('<dir>');
    };
    const defaults = await merged({});
    for (const [key, value] of Object.entries(samples)) {
      expect(await merged({ [key]: value }), `trustline.json "${key}" is not read`).not.toBe(defaults);
    }
  });

  it('the published schema lists exactly the compat flags of each subsystem', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'trustline.schema.json'), 'utf8')) as {
      $defs: { compat: { properties: Record<string, { properties: Record<string, unknown> }> }; ports: { properties: Record<string, unknown> } };
    };
    const compat = schema.$defs.compat.properties;
    expect(Object.keys(compat.easyAuth!.properties).sort()).toEqual(Object.keys(defaultCompatFlags).sort());
    expect(Object.keys(compat.identity!.properties).sort()).toEqual(Object.keys(defaultIdentityCompatFlags).sort());
    expect(Object.keys(compat.gateway!.properties).sort()).toEqual(Object.keys(defaultGatewayCompatFlags).sort());
    expect(Object.keys(compat.controlPlane!.properties).sort()).toEqual(Object.keys(defaultControlPlaneCompatFlags).sort());
    expect(Object.keys(schema.$defs.ports.properties).sort()).toEqual([...Object.keys(PORT_OFFSETS), 'base', 'sites', 'apim'].sort());
    // The defaults themselves validate.
    const dir = project({ compat: { easyAuth: defaultCompatFlags, identity: defaultIdentityCompatFlags, gateway: defaultGatewayCompatFlags } });
    expect(loadProjectFile(join(dir, 'trustline.json')).config.compat?.easyAuth).toEqual(defaultCompatFlags);
  });
});

describe('stable ports', () => {
  it('each listener at its documented offset; sites and services two by two in name order; pins win', () => {
    const plan = createPortPlan({ base: 7700, pinned: { proxy: 8080 }, sites: { pinned: { https: 9000 } } });
    expect(plan.fixed('controlPlane')).toBe(7700);
    expect(plan.fixed('identity')).toBe(7703);
    expect(plan.fixed('proxy')).toBe(8080);
    expect(plan.site('a')).toEqual({ https: 7720, http: 7721 });
    expect(plan.site('b')).toEqual({ https: 7722, http: 7723 });
    expect(plan.site('A')).toEqual({ https: 7720, http: 7721 });
    expect(plan.site('pinned')).toEqual({ https: 9000, http: 7725 });
    expect(plan.service('apim')).toEqual({ https: 7760, http: 7761 });
    const random = createPortPlan({ base: 0 });
    expect([random.fixed('controlPlane'), random.site('a').https]).toEqual([0, 0]);
  });

  it('a taken port is a clear error naming the listener, and nothing stays open', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const tls = { cert: '', key: '' };
      await expect(startListenerPair(() => undefined, { tls, logger: memoryLogger(), name: 'control plane', httpPort: 0, httpsPort: port })).rejects.toMatchObject({
        code: 'ERR_RUNTIME_PORT_IN_USE',
        message: expect.stringContaining(`cannot listen on 127.0.0.1:${port} for control plane (https): the port is taken`),
      });
      // `npm start --port-base 0` gives the flag to npm, not to trustline: the hint says how to pass it through.
      await expect(startListenerPair(() => undefined, { tls, logger: memoryLogger(), name: 'control plane', httpPort: 0, httpsPort: port })).rejects.toMatchObject({
        message: expect.stringContaining('npm start -- --port-base 0'),
      });
    } finally {
      blocker.close();
    }
  });
});

describe('the state-folder lock', () => {
  it('a second holder is refused; the first releases; a lock left by a dead process is taken over', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'trustline-lock-')), 'state');
    const first = lockStateFolder(dir, memoryLogger());
    expect(existsSync(join(dir, 'up.lock'))).toBe(true);
    // Another process holds it: the parent of this test process is alive.
    writeFileSync(join(dir, 'up.lock'), JSON.stringify({ pid: process.ppid, startedAt: 'earlier' }));
    expect(() => lockStateFolder(dir, memoryLogger())).toThrow(expect.objectContaining({ code: 'ERR_CLI_STATE_LOCKED', message: expect.stringContaining(`pid ${process.ppid}, since earlier`) }));
    expect(JSON.parse(readFileSync(join(dir, 'up.lock'), 'utf8'))).toEqual({ pid: process.ppid, startedAt: 'earlier' });
    first.release(); // not its lock any more: left alone
    expect(existsSync(join(dir, 'up.lock'))).toBe(true);
    writeFileSync(join(dir, 'up.lock'), JSON.stringify({ pid: 2 ** 22 + 17, startedAt: 'long ago' }));
    const logger = memoryLogger();
    const second = lockStateFolder(dir, logger);
    expect(logger.lines.join("\n")).toContain('left by a process that is gone');
    second.release();
    expect(existsSync(join(dir, 'up.lock'))).toBe(false);
    mkdirSync(dir, { recursive: true });
  });
});
