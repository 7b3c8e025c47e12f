import { readFileSync } from 'node:fs';
import { findNodeAtLocation, parseTree, type ParseError, printParseErrorCode } from 'jsonc-parser';
import type { SourceLocation } from '../../core/index.js';
import { identityError } from '../errors.js';
import { checkSchemaSubset, formatJsonPath, validateSchema, type Schema } from '../../core/index.js';

/** One application of a directory file (see schema/directory.schema.json). */
export interface DirectoryFileApplication {
  displayName: string;
  appId?: string;
  identifierUris?: string[];
  accessTokenAcceptedVersion?: 1 | 2 | null;
  api?: { requestedAccessTokenVersion?: 1 | 2 | null; oauth2PermissionScopes?: DirectoryFileScope[] };
  appRoles?: Array<{ value: string; id?: string; displayName?: string; description?: string; allowedMemberTypes?: Array<'User' | 'Application'> }>;
  oauth2PermissionScopes?: DirectoryFileScope[];
  groupMembershipClaims?: string | null;
  optionalClaims?: { accessToken?: DirectoryFileOptionalClaim[]; idToken?: DirectoryFileOptionalClaim[] };
  redirectUris?: string[];
  /** "Allow public client flows" (Graph `isFallbackPublicClient`): the device code flow without a credential. */
  isFallbackPublicClient?: boolean;
  passwordCredentials?: Array<{ secretText: string; displayName?: string }>;
  keyCredentials?: Array<{ certificate: string; displayName?: string }>;
  /** Workload identity federation: tokens of `issuer` about `subject` for one of `audiences` (default `api://AzureADTokenExchange`). */
  federatedIdentityCredentials?: Array<{ name: string; issuer: string; subject: string; audiences?: string[]; description?: string }>;
}

export interface DirectoryFileOptionalClaim {
  name: string;
  additionalProperties?: string[];
}

export interface DirectoryFileScope {
  value: string;
  id?: string;
}

/** The directory file (`trustline up --directory FILE`), validated against the published schema. */
export interface DirectoryDocument {
  tenantId?: string;
  applications?: DirectoryFileApplication[];
  users?: Array<{ userPrincipalName: string; displayName?: string; id?: string; password?: string }>;
  groups?: Array<{ displayName: string; id?: string; members?: string[]; owners?: string[] }>;
  appRoleAssignments?: Array<{ principal: string; resource: string; role: string }>;
  /** Delegated permission grants (Graph `oauth2PermissionGrant`); `consentType` defaults to `AllPrincipals`. */
  oauth2PermissionGrants?: Array<{ client: string; resource: string; consentType?: 'AllPrincipals' | 'Principal'; principal?: string; scope: string }>;
}

/** Finds the line:column of a JSON path in the file text, for error messages. */
export type Locator = (path: ReadonlyArray<string | number>) => SourceLocation;

let schemaCache: Schema | undefined;

/** The published schema (schema/directory.schema.json at the repository root). */
export function directorySchema(): Schema {
  if (!schemaCache) {
    const url = new URL('../../../schema/directory.schema.json', import.meta.url);
    const schema = JSON.parse(readFileSync(url, 'utf8')) as Schema;
    checkSchemaSubset(schema);
    schemaCache = schema;
  }
  return schemaCache;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/**
 * Parse and validate a directory file's text. Strict JSON (no comments); every schema violation is
 * reported at once, each with its JSON path and line:column. Throws ERR_IDENTITY_DIRECTORY_INVALID.
 */
export function parseDirectoryText(text: string, file?: string): { doc: DirectoryDocument; locate: Locator } {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const at = (offset: number): SourceLocation => ({ ...(file ? { file } : {}), ...lineColumn(text, offset) });
  const named = file ? ` ${file}` : '';
  if (errors.length > 0 || !tree) {
    const e = errors[0];
    const loc = at(e?.offset ?? 0);
    const what = e ? printParseErrorCode(e.error) : 'empty';
    throw identityError('ERR_IDENTITY_DIRECTORY_INVALID', `The directory file${named} is not valid JSON: ${what} at line ${loc.line}:${loc.column}.`, { reason: `not valid JSON: ${what}` }, undefined, loc);
  }
  const locate: Locator = (path) => {
    const node = findNodeAtLocation(tree, [...path]);
    return { ...at(node?.parent?.type === 'property' ? node.parent.offset : (node?.offset ?? 0)), jsonPath: formatJsonPath(path) };
  };
  const doc = JSON.parse(text) as unknown;
  const violations = validateSchema(doc, directorySchema());
  if (violations.length > 0) {
    const lines = violations.slice(0, 20).map((v) => {
      const loc = locate(v.path);
      return `${formatJsonPath(v.path)} (line ${loc.line}:${loc.column}): ${v.message}`;
    });
    const first = violations[0]!;
    throw identityError(
      'ERR_IDENTITY_DIRECTORY_INVALID',
      `The directory file${named} does not match schema/directory.schema.json:\n  ${lines.join('\n  ')}${violations.length > 20 ? `\n  … and ${violations.length - 20} more` : ''}`,
      { violations: violations.length, reason: first.message },
      undefined,
      locate(first.path),
    );
  }
  return { doc: doc as DirectoryDocument, locate };
}

/** Read and validate a directory file (ERR_IDENTITY_DIRECTORY_READ when it cannot be read). */
export function readDirectoryFile(file: string): { doc: DirectoryDocument; locate: Locator } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw identityError('ERR_IDENTITY_DIRECTORY_READ', `The directory file ${file} cannot be read: ${(e as Error).message}`, undefined, e, { file });
  }
  return parseDirectoryText(text, file);
}
