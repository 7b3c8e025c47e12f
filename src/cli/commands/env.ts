import { Option } from 'commander';
import { TwinError } from '../../core/index.js';
import type { ReadyInfo } from '../../runtime/index.js';
import { readReadyFile } from '../ready-file.js';
import { jsonOption, readyFileOption, type RegisterCommand } from '../context.js';

export type Shell = 'bash' | 'pwsh' | 'dotenv';

/** Hosts that must not go through the proxy: the twin's own loopback listeners (IDENTITY_ENDPOINT, IMDS). */
export const NO_PROXY = 'localhost,127.0.0.1,::1,169.254.169.254';

/**
 * The environment of a process that should use the running twin as Azure, with unmodified Azure clients:
 * trust the local CA (Node, Python requests / az CLI, OpenSSL), send Azure host names through the twin's proxy,
 * and be the managed identity `identity` names (an APIM service or site with a system-assigned identity; by
 * default the shared endpoint, where the only managed identity answers) as App Service presents it.
 */
export function twinEnvironment(ready: ReadyInfo, identity?: string): Array<[string, string]> {
  let endpoint = ready.identity.identityEndpoint;
  if (identity) {
    const named = [...Object.entries(ready.apim), ...Object.entries(ready.sites)].find(([n]) => n.toLowerCase() === identity.toLowerCase());
    if (!named) throw new TwinError('ERR_CLI_IDENTITY', `no APIM service or site named ${identity} in the running twin`);
    if (!named[1].identityEndpoint) throw new TwinError('ERR_CLI_IDENTITY', `${identity} has no system-assigned managed identity`);
    endpoint = named[1].identityEndpoint;
  }
  if (!ready.proxy) throw new TwinError('ERR_TWIN_NO_PROXY', 'the running twin serves no proxy (it was started with --no-proxy, or `proxy: false` in trustline.json): start it with its proxy to use `trustline env`');
  const vars: Array<[string, string]> = [
    ['NODE_EXTRA_CA_CERTS', ready.caCertificate],
    ['REQUESTS_CA_BUNDLE', ready.caCertificate],
    ['SSL_CERT_FILE', ready.caCertificate],
    ['CURL_CA_BUNDLE', ready.caCertificate],
    ['HTTPS_PROXY', ready.proxy],
    ['https_proxy', ready.proxy],
    ['NO_PROXY', NO_PROXY],
    ['no_proxy', NO_PROXY],
    ['IDENTITY_ENDPOINT', endpoint],
    ['IDENTITY_HEADER', ready.identity.identityHeader],
    ['MSI_ENDPOINT', endpoint],
    ['MSI_SECRET', ready.identity.identityHeader],
    // IMDS as AKS pod identity exposes it (@azure/identity reads this instead of 169.254.169.254).
    ['AZURE_POD_IDENTITY_AUTHORITY_HOST', ready.identity.imdsEndpoint],
    ['AZURE_AUTHORITY_HOST', 'https://login.microsoftonline.com/'],
    ['AZURE_TENANT_ID', ready.tenantId],
  ];
  return vars;
}

const bashQuote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
const pwshQuote = (v: string) => `'${v.replace(/'/g, "''")}'`;

export function formatEnvironment(vars: Array<[string, string]>, shell: Shell): string[] {
  switch (shell) {
    case 'bash':
      return vars.map(([k, v]) => `export ${k}=${bashQuote(v)}`);
    case 'pwsh':
      return vars.map(([k, v]) => `$env:${k} = ${pwshQuote(v)}`);
    case 'dotenv':
      return vars.map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  }
}

/**
 * An APIM service and a site may share a name, each with its own system-assigned identity: `--identity NAME` then
 * picks neither (ERR_CLI_IDENTITY_AMBIGUOUS, exit 2), and the refusal lists both as `trustline token`'s does. `env`
 * takes names only (its variables name an endpoint, not a client id), so it points at `token --identity CLIENT_ID`.
 */
async function refuseSharedName(ready: ReadyInfo, identity: string): Promise<void> {
  const same = (n: string) => n.toLowerCase() === identity.toLowerCase();
  const named = [...Object.entries(ready.apim), ...Object.entries(ready.sites)].filter(([n, r]) => same(n) && r.identityEndpoint);
  if (named.length < 2) return;
  const { systemAssignedIdentities, candidateLines } = await import('../identity-candidates.js');
  const candidates = ((await systemAssignedIdentities(ready)) ?? []).filter((c) => same(c.name));
  throw new TwinError(
    'ERR_CLI_IDENTITY_AMBIGUOUS',
    `an APIM service and a site are both named ${identity}, each with a system-assigned identity, and \`trustline env --identity\` takes a name: rename one of them, or get a token for one by client id with \`trustline token --identity CLIENT_ID\`${candidates.length ? ':\n' + candidateLines(candidates).join('\n') : ''}`,
    { details: { candidates } },
  );
}

export const registerEnv: RegisterCommand = (program, ctx) => {
  program
    .command('env')
    .description('print the environment that points unmodified Azure tools at the running twin')
    .option('--identity <name>', 'be the managed identity of this APIM service or site (default: the shared endpoint, where the only system-assigned identity of the twin answers)')
    .addOption(new Option('--shell <shell>', 'output syntax').choices(['bash', 'pwsh', 'dotenv']).default('bash'))
    .addOption(readyFileOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nOutput: one assignment per line, for `eval "$(trustline env)"` (bash/zsh), `trustline env --shell pwsh | Invoke-Expression`\n' +
        'or a .env file: NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE, CURL_CA_BUNDLE (the local CA), HTTPS_PROXY/NO_PROXY (the twin\'s\n' +
        'proxy: Azure host names reach the twin, nothing else is let through), IDENTITY_ENDPOINT/IDENTITY_HEADER and\n' +
        'MSI_ENDPOINT/MSI_SECRET (the managed identity), AZURE_POD_IDENTITY_AUTHORITY_HOST (IMDS), AZURE_AUTHORITY_HOST,\n' +
        'AZURE_TENANT_ID. With these, DefaultAzureCredential, the az CLI and curl use the real Azure URLs. --json: an object.',
    )
    .action(async (o) => {
      const ready = readReadyFile(o.readyFile);
      if (o.identity) await refuseSharedName(ready, o.identity);
      const vars = twinEnvironment(ready, o.identity);
      ctx.print(o.json, Object.fromEntries(vars), () => formatEnvironment(vars, o.shell as Shell));
      if (!o.identity) {
        // The shared endpoint answers for the only system-assigned identity: with several, a token request there must
        // name one, so say which there are (stderr: stdout is for eval) and how to be one of them.
        const { systemAssignedIdentities, candidateLines } = await import('../identity-candidates.js');
        const candidates = await systemAssignedIdentities(ready);
        if (candidates && candidates.length > 1) {
          ctx.err(`note: IDENTITY_ENDPOINT is the twin's shared endpoint, and the twin has ${candidates.length} system-assigned managed identities: a token request there must name one (client_id). To be one of them, add --identity NAME:`);
          for (const l of candidateLines(candidates)) ctx.err(l);
        }
      }
    });
};
