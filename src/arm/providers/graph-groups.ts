import { jsonTimestamp } from '../../core/index.js';
import type { DirectoryObject } from '../../state/index.js';
import { baseRecord, getPath, previousRecord } from './common.js';
import { byUniqueName, graphError, graphNotFound, isBoolean, isString, principalById, requiredProperty } from './graph-directory.js';
import type { ProviderContext, ResourceInput, ResourceProvider } from './types.js';

/**
 * `Microsoft.Graph/groups` (msgraph-bicep-types, generated v1.0 types.md): upserted by `uniqueName`; `displayName`,
 * `mailEnabled`, `securityEnabled` and `mailNickname` are Required, as Graph's `POST /groups` requires them.
 * `members` / `owners` are Graph Bicep relationships `{relationships: [object ids], relationshipSemantics}`:
 * `append` (the default) adds to what the group has, `replace` makes the list exactly the template's; the extension's
 * config `relationshipSemantics` sets the default for the template. Members feed
 * the `groups` claim and roles granted to the group (docs/behaviour/arm.md §6.4).
 */
const GROUPS = 'Microsoft.Graph/groups';

/** Graph: mailNickname ≤ 64 ASCII characters, none of `@ ( ) / [ ] ' ; : < > ,` or space (the type's description). */
const MAIL_NICKNAME = /^[\x21-\x7e]{1,64}$/;
const MAIL_NICKNAME_FORBIDDEN = /[@()/[\]';:<>, ]/;

export interface Relationship {
  ids: string[];
  semantics: 'append' | 'replace';
}

export function relationship(input: ResourceInput, ctx: ProviderContext, name: string): Relationship | undefined {
  const raw = getPath(input.properties, name);
  if (raw === undefined || raw === null) return undefined;
  // The extension's preview types (0.1.x) took a plain array of object ids (Bicep's own sample: `owners: [sp.id]`).
  const ids = Array.isArray(raw) ? raw : getPath(raw, 'relationships');
  if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) {
    throw graphError(input, ctx, 400, 'Request_BadRequest', `The property '${name}.relationships' is required and must be an array of object ids.`);
  }
  // The relationship's own semantics, else the extension's (`extension microsoftGraphV1 with { relationshipSemantics: 'replace' }`).
  const semantics = (Array.isArray(raw) ? undefined : getPath(raw, 'relationshipSemantics')) ?? ctx.extensionConfig?.['relationshipSemantics'] ?? 'append';
  if (semantics !== 'append' && semantics !== 'replace') throw graphError(input, ctx, 400, 'Request_BadRequest', `The property '${name}.relationshipSemantics' must be 'append' or 'replace'.`);
  return { ids: ids as string[], semantics };
}

/** A relationship applied to what the object had: `append` adds (no duplicates, case-insensitive), `replace` sets. */
export function mergeRelationship(had: readonly string[] | undefined, rel: Relationship | undefined): string[] {
  const kept = rel?.semantics === 'replace' ? [] : (had ?? []);
  return [...new Map([...kept, ...(rel?.ids ?? [])].map((id) => [id.toLowerCase(), id])).values()];
}

export const graphGroupProvider: ResourceProvider = {
  types: [GROUPS],
  apply(input, ctx) {
    const uniqueName = requiredProperty(input, ctx, 'uniqueName', isString, 'a string');
    const displayName = requiredProperty(input, ctx, 'displayName', isString, 'a string');
    const mailEnabled = requiredProperty(input, ctx, 'mailEnabled', isBoolean, 'a boolean');
    const securityEnabled = requiredProperty(input, ctx, 'securityEnabled', isBoolean, 'a boolean');
    const mailNickname = requiredProperty(input, ctx, 'mailNickname', isString, 'a string');
    if (displayName.length > 256) throw graphError(input, ctx, 400, 'Request_BadRequest', `Invalid value specified for property 'displayName' of resource 'Group'.`);
    if (!MAIL_NICKNAME.test(mailNickname) || MAIL_NICKNAME_FORBIDDEN.test(mailNickname)) {
      throw graphError(input, ctx, 400, 'Request_BadRequest', `Invalid value specified for property 'mailNickname' of resource 'Group'.`);
    }
    const members = relationship(input, ctx, 'members');
    const owners = relationship(input, ctx, 'owners');
    for (const id of [...(members?.ids ?? []), ...(owners?.ids ?? [])]) if (!principalById(ctx.tx, id)) throw graphNotFound(input, ctx, id);
    const before = byUniqueName(ctx.tx, ctx.tenantId, 'group', uniqueName);
    const objectId = before?.objectId ?? ctx.ids.uuid();
    if (members?.ids.some((id) => id.toLowerCase() === objectId.toLowerCase())) throw graphError(input, ctx, 400, 'Request_BadRequest', 'A group cannot be a member of itself.');
    const memberIds = mergeRelationship(before?.members, members);
    const ownerIds = mergeRelationship(before?.owners, owners);
    const description = getPath(input.properties, 'description');
    const group: DirectoryObject = {
      ...(before ?? {}),
      kind: 'group',
      objectId,
      appId: '',
      displayName,
      tenantId: ctx.tenantId,
      uniqueName,
      members: memberIds,
      owners: ownerIds,
      groupSettings: { mailEnabled, securityEnabled, mailNickname, ...(typeof description === 'string' ? { description } : {}) },
      resourceId: input.id,
      origin: `deployed as Microsoft Graph group '${uniqueName}'`,
    };
    ctx.tx.putDirectoryObject(group);
    const record = baseRecord(input);
    const previous = previousRecord(record, ctx);
    const created = typeof previous?.properties['createdDateTime'] === 'string' && previous.properties['id'] === objectId ? previous.properties['createdDateTime'] : jsonTimestamp(ctx.clock.now());
    record.properties = {
      ...input.properties,
      id: objectId,
      uniqueName,
      displayName,
      createdDateTime: created,
      ...(members ? { members: { relationships: memberIds, relationshipSemantics: members.semantics } } : {}),
      ...(owners ? { owners: { relationships: ownerIds, relationshipSemantics: owners.semantics } } : {}),
    };
    return record;
  },
};
