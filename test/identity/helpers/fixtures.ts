import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sequentialIds, silentLogger, type Clock, type Logger, type PemPair } from '../../../src/core/index.js';
import type { DirectoryObject } from '../../../src/state/types.js';
import { createIdentityService, type IdentityService, type IdentityCompatFlags } from '../../../src/identity/index.js';
import { createFakeStore } from './fake-store.js';

export const TENANT_ID = '11111111-2222-3333-4444-555555555555';
export const IDENTITY_SECRET = 'local-identity-header-secret';

export const APIM_ID = '/subscriptions/00000000-0000-0000-0000-00000000aaaa/resourceGroups/rg-twin/providers/Microsoft.ApiManagement/service/apim-twin';
export const SITE_ID = '/subscriptions/00000000-0000-0000-0000-00000000aaaa/resourceGroups/rg-twin/providers/Microsoft.Web/sites/fn-twin';
export const UAMI_ID = '/subscriptions/00000000-0000-0000-0000-00000000aaaa/resourceGroups/rg-twin/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-twin';

/** APIM's system-assigned identity. */
export const APIM_MI: DirectoryObject = {
  kind: 'managedIdentity',
  objectId: 'aaaaaaaa-0000-4000-8000-0000000000a1',
  appId: 'aaaaaaaa-0000-4000-8000-0000000000c1',
  displayName: 'apim-twin',
  tenantId: TENANT_ID,
  resourceId: APIM_ID,
};
/** A user-assigned identity. */
export const UAMI: DirectoryObject = {
  kind: 'managedIdentity',
  objectId: 'bbbbbbbb-0000-4000-8000-0000000000a2',
  appId: 'bbbbbbbb-0000-4000-8000-0000000000c2',
  displayName: 'uami-twin',
  tenantId: TENANT_ID,
  resourceId: UAMI_ID,
};
/** The function's app registration, v1 tokens. */
export const FN_APP: DirectoryObject = {
  kind: 'application',
  objectId: 'cccccccc-0000-4000-8000-0000000000a3',
  appId: 'cccccccc-0000-4000-8000-0000000000f1',
  displayName: 'fn-twin (auto)',
  tenantId: TENANT_ID,
  identifierUris: ['api://cccccccc-0000-4000-8000-0000000000f1'],
  accessTokenAcceptedVersion: null,
};
/** An app registration that accepts v2 tokens only. */
export const V2_APP: DirectoryObject = {
  kind: 'application',
  objectId: 'dddddddd-0000-4000-8000-0000000000a4',
  appId: 'dddddddd-0000-4000-8000-0000000000f2',
  displayName: 'api-v2',
  tenantId: TENANT_ID,
  identifierUris: ['api://orders.contoso.test/'],
  accessTokenAcceptedVersion: 2,
};

export interface Twin {
  service: IdentityService;
  server: Server;
  origin: string;
  close(): Promise<void>;
}

let cachedKey: PemPair | undefined;

export async function startTwin(options: {
  clock: Clock;
  directory?: DirectoryObject[];
  signingKey?: PemPair;
  logger?: Logger;
  tokenLifetimeSeconds?: number;
  tokenCacheSeconds?: number;
  flags?: Partial<IdentityCompatFlags>;
  /** Identities IMDS may hand out (default: the APIM identity and the user-assigned one). */
  imdsIdentities?: string[];
  signingWorkers?: number;
}): Promise<Twin> {
  const store = createFakeStore({ directory: options.directory ?? [APIM_MI, UAMI, FN_APP, V2_APP] });
  const service = await createIdentityService({
    store,
    clock: options.clock,
    ids: sequentialIds('eeeeeeee'),
    logger: options.logger ?? silentLogger,
    tenantId: TENANT_ID,
    identityHeader: IDENTITY_SECRET,
    ...(options.signingKey ?? cachedKey ? { signingKey: options.signingKey ?? cachedKey } : {}),
    ...(options.tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds: options.tokenLifetimeSeconds }),
    ...(options.tokenCacheSeconds === undefined ? {} : { tokenCacheSeconds: options.tokenCacheSeconds }),
    ...(options.flags ? { flags: options.flags } : {}),
    imdsIdentities: options.imdsIdentities ?? [APIM_MI.displayName, UAMI.appId],
    ...(options.signingWorkers ? { signingWorkers: options.signingWorkers } : {}),
  });
  cachedKey ??= service.signingKey;
  const server = createServer((req, res) => service.handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    service,
    server,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        service.close();
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** Decode a JWT's header and payload without verifying. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

/** GET a path on the twin with node's fetch; returns status, headers and parsed JSON. */
export async function get(origin: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(origin + path, { headers, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as unknown };
}

/** GET with an explicit Host header (node:http; fetch may not set Host), as the twin's own client sends Azure names. */
export function getWithHost(origin: string, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const u = new URL(origin);
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'GET', headers: { ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
