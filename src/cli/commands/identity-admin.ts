import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TwinError } from '../../core/index.js';
import { readReadyFile } from '../ready-file.js';
import { adminCall } from '../identity-admin-client.js';
import { collect, jsonOption, readyFileOption, type RegisterCommand } from '../context.js';

/**
 * `trustline directory …` and `trustline keys …` against a running twin: they call the identity
 * listener's administration routes (`/_trustline/…`) with the ready file's identity header.
 */
async function call(readyFile: string, method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return adminCall(readReadyFile(readyFile), method, path, body);
}

/** The twin refused: its message (--json: `{status, error: <the twin's answer>}`); exit 1. */
function failed(r: { status: number; json: Record<string, unknown> }, out: (l: string) => void, json?: boolean): number {
  if (json) out(JSON.stringify({ status: r.status, error: r.json }, null, 2));
  else out(`refused (${r.status}): ${String(r.json.message ?? JSON.stringify(r.json))}`);
  return 1;
}

/**
 * The options a document built by the CLI came from: each JSON path of the document (a prefix, e.g.
 * `appRoleAssignments[0].resource`) with the option and the value the user gave.
 */
type BuiltFrom = Array<[jsonPath: string, option: string, value: string | undefined]>;

const shown = (v: string) => (/^[\w@.:/{}-]+$/.test(v) ? v : `'${v}'`);

/**
 * The twin refused a document the CLI built (add-app, add-user, assign): the user wrote no file, so the refusal names
 * the option and the value they gave (never a line:column of JSON they did not write).
 */
function failedBuilt(r: { status: number; json: Record<string, unknown> }, from: BuiltFrom, out: (l: string) => void, json?: boolean): number {
  const location = r.json['location'] as { jsonPath?: string } | undefined;
  const at = location?.jsonPath ?? '';
  const match = from.filter(([path]) => at === path || at.startsWith(`${path}.`) || at.startsWith(`${path}[`)).sort((a, b) => b[0].length - a[0].length)[0];
  const reason = typeof r.json['reason'] === 'string' ? r.json['reason'] : String(r.json['message'] ?? JSON.stringify(r.json));
  if (json) {
    const { location: _phantom, ...error } = r.json;
    out(JSON.stringify({ status: r.status, error: { ...error, ...(match ? { option: match[1] } : {}) } }, null, 2));
  } else out(`refused (${r.status}): ${match ? `${match[1]}${match[2] === undefined ? '' : ` ${shown(match[2])}`}: ` : ''}${reason}`);
  return 1;
}

/**
 * POST a directory document; resolves to how many objects were applied, or undefined after printing the refusal.
 * `source`: the directory file it was read from (its errors name it), or the options a CLI-built document came from.
 */
async function apply(readyFile: string, doc: string, out: (l: string) => void, json: boolean | undefined, source: { file: string } | { builtFrom: BuiltFrom }): Promise<number | undefined> {
  const r = await call(readyFile, 'POST', 'file' in source ? `directory?file=${encodeURIComponent(source.file)}` : 'directory', doc);
  if (r.status !== 200) {
    if ('builtFrom' in source && r.status === 400) failedBuilt(r, source.builtFrom, out, json);
    else failed(r, out, json);
    return undefined;
  }
  return Number(r.json.applied);
}

const tenantOption = (tenant: string | undefined): BuiltFrom => [['tenantId', '--tenant', tenant]];

export interface AddAppOptions {
  readyFile: string;
  name: string;
  appId?: string;
  secret?: string;
  generateSecret?: boolean;
  identifierUri: string[];
  tokenVersion?: string;
  role: string[];
  /** "Allow public client flows" (`isFallbackPublicClient`): the device code flow without a credential. */
  publicClient?: boolean;
  tenant?: string;
  json?: boolean;
}

export async function directoryAddApp(o: AddAppOptions, out: (l: string) => void): Promise<number> {
  if (o.secret !== undefined && o.generateSecret) throw new TwinError('ERR_CLI_USAGE', 'give --secret or --generate-secret, not both');
  if (o.tokenVersion !== undefined && o.tokenVersion !== '1' && o.tokenVersion !== '2') throw new TwinError('ERR_CLI_USAGE', '--token-version takes 1 or 2');
  const secret = o.generateSecret ? randomBytes(30).toString('base64url') : o.secret;
  const doc = {
    ...(o.tenant ? { tenantId: o.tenant } : {}),
    applications: [
      {
        displayName: o.name,
        ...(o.appId ? { appId: o.appId } : {}),
        ...(o.identifierUri.length > 0 ? { identifierUris: o.identifierUri } : {}),
        ...(o.tokenVersion ? { accessTokenAcceptedVersion: Number(o.tokenVersion) } : {}),
        ...(o.role.length > 0 ? { appRoles: o.role.map((value) => ({ value })) } : {}),
        ...(secret !== undefined ? { passwordCredentials: [{ secretText: secret }] } : {}),
        ...(o.publicClient ? { isFallbackPublicClient: true } : {}),
      },
    ],
  };
  const builtFrom: BuiltFrom = [
    ...tenantOption(o.tenant),
    ['applications[0]', '--name', o.name],
    ['applications[0].appId', '--app-id', o.appId],
    ['applications[0].identifierUris', '--identifier-uri', undefined],
    ...o.identifierUri.map((u, i): BuiltFrom[number] => [`applications[0].identifierUris[${i}]`, '--identifier-uri', u]),
    ['applications[0].accessTokenAcceptedVersion', '--token-version', o.tokenVersion],
    ['applications[0].appRoles', '--role', undefined],
    ...o.role.map((v, i): BuiltFrom[number] => [`applications[0].appRoles[${i}]`, '--role', v]),
    ['applications[0].passwordCredentials', o.generateSecret ? '--generate-secret' : '--secret', undefined],
    ['applications[0].isFallbackPublicClient', '--public-client', undefined],
  ];
  if ((await apply(o.readyFile, JSON.stringify(doc), out, o.json, { builtFrom })) === undefined) return 1;
  const listed = await call(o.readyFile, 'GET', 'directory');
  const apps = (listed.json.applications ?? []) as Array<{ displayName: string; appId: string; servicePrincipalId?: string; tenantId: string }>;
  const app = apps.find((a) => a.displayName === o.name && (!o.tenant || a.tenantId === o.tenant.toLowerCase() || a.tenantId === o.tenant));
  if (o.json) out(JSON.stringify({ appId: app?.appId, servicePrincipalId: app?.servicePrincipalId, tenantId: app?.tenantId, ...(o.generateSecret ? { secret } : {}) }));
  else {
    out(`application ${o.name}: appId ${app?.appId ?? '?'} (service principal ${app?.servicePrincipalId ?? '?'})`);
    if (o.generateSecret) out(`secret: ${secret}   (shown once; the twin keeps only a hash)`);
  }
  return 0;
}

export async function directoryAddUser(o: { readyFile: string; upn: string; name?: string; password?: string; tenant?: string; json?: boolean }, out: (l: string) => void): Promise<number> {
  const doc = { ...(o.tenant ? { tenantId: o.tenant } : {}), users: [{ userPrincipalName: o.upn, ...(o.name ? { displayName: o.name } : {}), ...(o.password ? { password: o.password } : {}) }] };
  const builtFrom: BuiltFrom = [...tenantOption(o.tenant), ['users[0]', '--upn', o.upn], ['users[0].displayName', '--name', o.name], ['users[0].password', '--password', undefined]];
  if ((await apply(o.readyFile, JSON.stringify(doc), out, o.json, { builtFrom })) === undefined) return 1;
  out(o.json ? JSON.stringify({ userPrincipalName: o.upn, ...(o.tenant ? { tenantId: o.tenant } : {}) }) : `user ${o.upn} added`);
  return 0;
}

export async function directoryAssign(o: { readyFile: string; principal: string; resource: string; role: string; tenant?: string; json?: boolean }, out: (l: string) => void): Promise<number> {
  const doc = { ...(o.tenant ? { tenantId: o.tenant } : {}), appRoleAssignments: [{ principal: o.principal, resource: o.resource, role: o.role }] };
  const builtFrom: BuiltFrom = [
    ...tenantOption(o.tenant),
    ['appRoleAssignments[0].principal', '--principal', o.principal],
    ['appRoleAssignments[0].resource', '--resource', o.resource],
    ['appRoleAssignments[0].role', '--role', o.role],
  ];
  if ((await apply(o.readyFile, JSON.stringify(doc), out, o.json, { builtFrom })) === undefined) return 1;
  out(o.json ? JSON.stringify({ principal: o.principal, resource: o.resource, role: o.role }) : `assigned ${o.role} on ${o.resource} to ${o.principal}`);
  return 0;
}

export async function directoryApplyFile(o: { readyFile: string; file: string; json?: boolean }, out: (l: string) => void): Promise<number> {
  let text: string;
  try {
    text = readFileSync(o.file, 'utf8');
  } catch (e) {
    throw new TwinError('ERR_CLI_INPUT', `cannot read the directory file ${o.file}: ${(e as Error).message}`);
  }
  const applied = await apply(o.readyFile, text, out, o.json, { file: o.file });
  if (applied === undefined) return 1;
  out(o.json ? JSON.stringify({ file: o.file, applied }) : `directory ${o.file}: ${applied} objects`);
  return 0;
}

export async function directoryList(o: { readyFile: string; json?: boolean }, out: (l: string) => void): Promise<number> {
  const r = await call(o.readyFile, 'GET', 'directory');
  if (r.status !== 200) return failed(r, out, o.json);
  if (o.json) {
    out(JSON.stringify(r.json, null, 2));
    return 0;
  }
  const d = r.json as {
    applications: Array<{ displayName: string; appId: string; identifierUris: string[]; accessTokenAcceptedVersion: number | null; appRoles: Array<{ value: string }>; federatedIdentityCredentials?: Array<{ name: string; issuer: string; subject: string }> }>;
    users: Array<{ userPrincipalName: string; displayName: string }>;
    groups: Array<{ displayName: string; members: string[]; owners?: string[] }>;
    appRoleAssignments: Array<{ description: string }>;
    managedIdentities: Array<{ displayName: string; clientId: string; principalId: string }>;
    oauth2PermissionGrants?: Array<{ clientId: string; resourceId: string; consentType: string; principalId: string | null; scope: string }>;
  };
  out(`tenants: ${(r.json.tenants as string[]).join(', ')}`);
  for (const a of d.applications) {
    out(`application ${a.displayName}  appId ${a.appId}  v${a.accessTokenAcceptedVersion ?? 1}  uris [${a.identifierUris.join(', ')}]  roles [${a.appRoles.map((x) => x.value).join(', ')}]`);
  }
  for (const m of d.managedIdentities) out(`managed identity ${m.displayName}  clientId ${m.clientId}  principalId ${m.principalId}`);
  for (const u of d.users) out(`user ${u.userPrincipalName}  (${u.displayName})`);
  for (const g of d.groups) out(`group ${g.displayName}  ${g.members.length} members${g.owners?.length ? `  ${g.owners.length} owners` : ''}`);
  for (const a of d.appRoleAssignments) out(`assignment ${a.description}`);
  for (const a of d.applications) for (const c of a.federatedIdentityCredentials ?? []) out(`federated credential ${a.displayName}/${c.name}  issuer ${c.issuer}  subject ${c.subject}`);
  for (const g of d.oauth2PermissionGrants ?? []) out(`permission grant ${g.clientId} → ${g.resourceId}  ${g.consentType}${g.principalId ? ` ${g.principalId}` : ''}  scope '${g.scope}'`);
  return 0;
}

export async function keysRotate(o: { readyFile: string; activateAfter?: number; grace?: number; json?: boolean }, out: (l: string) => void): Promise<number> {
  const body = JSON.stringify({ ...(o.activateAfter === undefined ? {} : { activateAfterSeconds: o.activateAfter }), ...(o.grace === undefined ? {} : { graceSeconds: o.grace }) });
  const r = await call(o.readyFile, 'POST', 'keys/rotate', body);
  if (r.status !== 200) return failed(r, out, o.json);
  if (o.json) out(JSON.stringify(r.json));
  else {
    const j = r.json as { kid: string; activatesAt: number; previousKid: string; previousRemovedAt: number };
    // Epoch seconds with their milliseconds: the same instants `keys list` shows.
    const iso = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString();
    out(`new signing key ${j.kid}: in JWKS now, signs from ${iso(j.activatesAt)}`);
    out(`previous key ${j.previousKid}: leaves JWKS at ${iso(j.previousRemovedAt)}`);
  }
  return 0;
}

export async function keysList(o: { readyFile: string; json?: boolean }, out: (l: string) => void): Promise<number> {
  const r = await call(o.readyFile, 'GET', 'keys');
  if (r.status !== 200) return failed(r, out, o.json);
  if (o.json) {
    out(JSON.stringify(r.json, null, 2));
    return 0;
  }
  const ring = r.json as { signingKid: string; keys: Array<{ kid: string; publishedAt: string; activatesAt: string; removeAt?: string }> };
  for (const k of ring.keys) {
    out(`${k.kid === ring.signingKid ? '*' : ' '} ${k.kid}  published ${k.publishedAt}  signs from ${k.activatesAt}${k.removeAt !== undefined ? `  leaves JWKS ${k.removeAt}` : ''}`);
  }
  out(`signing now: ${ring.signingKid}`);
  return 0;
}

const seconds = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new TwinError('ERR_CLI_USAGE', `not a number of seconds: ${v}`);
  return n;
};

/** `trustline directory list|apply|add-app|add-user|assign`. */
export const registerDirectory: RegisterCommand = (program, ctx) => {
  const directory = program
    .command('directory')
    .description("the running twin's Entra directory (app registrations, users, role assignments)")
    .addHelpText('after', '\nOutput: each subcommand prints what it did as text, or JSON with --json; exit 1 when the twin refuses.');
  directory
    .command('list')
    .description('list tenants, applications, managed identities, users, groups, app role assignments, federated credentials and permission grants')
    .addOption(jsonOption())
    .addOption(readyFileOption())
    .addHelpText('after', '\nOutput: one line per tenant, application, managed identity, user, group, assignment, federated credential and permission grant (no secrets); --json: the whole listing.')
    .action(async (o) => ctx.exit(await directoryList({ readyFile: o.readyFile, json: o.json }, ctx.out)));
  directory
    .command('apply')
    .description('apply a directory file (schema/directory.schema.json) to the running twin')
    .argument('<file>', 'the directory file')
    .addOption(jsonOption())
    .addOption(readyFileOption())
    .addHelpText('after', '\nOutput: how many objects were applied, or the refusal with its JSON path and line:column; --json: {file, applied} or {status, error}.')
    .action(async (file: string, o) => ctx.exit(await directoryApplyFile({ readyFile: o.readyFile, file, json: o.json }, ctx.out)));
  directory
    .command('add-app')
    .description('add (or replace) an app registration, optionally with a client secret')
    .requiredOption('--name <displayName>', 'display name')
    .option('--app-id <guid>', 'application (client) id; derived from the name when absent')
    .option('--secret <text>', 'a client secret')
    .option('--generate-secret', 'generate a client secret and print it once')
    .option('--identifier-uri <uri>', 'an identifier URI (repeatable)', collect, [])
    .option('--token-version <1|2>', 'accessTokenAcceptedVersion')
    .option('--role <value>', 'an app role value (repeatable)', collect, [])
    .option('--public-client', 'allow public client flows (isFallbackPublicClient): device code sign-in without a secret')
    .option('--tenant <id>', "the tenant (default: the twin's)")
    .addOption(jsonOption())
    .addOption(readyFileOption())
    .addHelpText('after', '\nOutput: the appId and service principal id, and a generated secret once; --json: {appId, servicePrincipalId, tenantId, secret?}.')
    .action(async (o) =>
      ctx.exit(
        await directoryAddApp(
          { readyFile: o.readyFile, name: o.name, appId: o.appId, secret: o.secret, generateSecret: o.generateSecret, identifierUri: o.identifierUri, tokenVersion: o.tokenVersion, role: o.role, publicClient: o.publicClient, tenant: o.tenant, json: o.json },
          ctx.out,
        ),
      ),
    );
  directory
    .command('add-user')
    .description("add (or replace) a user who can sign in on the twin's sign-in page")
    .requiredOption('--upn <userPrincipalName>', 'e.g. alice@contoso.test')
    .option('--name <displayName>', 'display name')
    .option('--password <text>', 'password for the sign-in page')
    .option('--tenant <id>', "the tenant (default: the twin's)")
    .addOption(jsonOption())
    .addOption(readyFileOption())
    .addHelpText('after', '\nOutput: one line saying the user was added; --json: {userPrincipalName, tenantId?} or {status, error}.')
    .action(async (o) => ctx.exit(await directoryAddUser({ readyFile: o.readyFile, upn: o.upn, name: o.name, password: o.password, tenant: o.tenant, json: o.json }, ctx.out)));
  directory
    .command('assign')
    .description('assign an app role of a resource application to a user, group, application or managed identity')
    .requiredOption('--principal <name>', "a user's UPN, a group's or application's display name, or a managed identity's name (or its id: object id, appId, client id)")
    .requiredOption('--resource <app>', 'the resource application (display name or appId)')
    .requiredOption('--role <value>', 'the app role value')
    .option('--tenant <id>', "the tenant (default: the twin's)")
    .addOption(jsonOption())
    .addOption(readyFileOption())
    .addHelpText('after', '\nOutput: one line saying what was assigned, or why not (no such principal, resource or role); --json: {principal, resource, role} or {status, error}.')
    .action(async (o) => ctx.exit(await directoryAssign({ readyFile: o.readyFile, principal: o.principal, resource: o.resource, role: o.role, tenant: o.tenant, json: o.json }, ctx.out)));
};

/** `trustline keys rotate|list`. */
export const registerKeys: RegisterCommand = (program, ctx) => {
  const keys = program
    .command('keys')
    .description("the running twin's token-signing keys")
    .addHelpText('after', '\nOutput: rotate: the new and the replaced key ids with their times; list: the key ring; JSON with --json.');
  keys
    .command('rotate')
    .description('publish a new signing key now; it signs after --activate-after; the old key stays in JWKS for --grace')
    .option('--activate-after <seconds>', 'seconds until the new key signs (default 0)', seconds)
    .option('--grace <seconds>', 'seconds the replaced key stays in JWKS after that (default: the longest token lifetime + 5 min)', seconds)
    .addOption(jsonOption())
    .addOption(readyFileOption())
    .addHelpText('after', '\nOutput: the new key id and when it signs, the replaced key id and when it leaves JWKS; --json: {kid, activatesAt, previousKid, previousRemovedAt}.')
    .action(async (o) => ctx.exit(await keysRotate({ readyFile: o.readyFile, activateAfter: o.activateAfter, grace: o.grace, json: o.json }, ctx.out)));
  keys
    .command('list')
    .description('the signing key ring: published, activation and removal times')
    .addOption(jsonOption())
    .addOption(readyFileOption())
    .addHelpText('after', '\nOutput: one line per key (* = signing now) with its times, then the signing key id; --json: {signingKid, keys: [{kid, publishedAt, activatesAt, removeAt?}]} (ISO times).')
    .action(async (o) => ctx.exit(await keysList({ readyFile: o.readyFile, json: o.json }, ctx.out)));
};
