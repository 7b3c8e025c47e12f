import { parseSubscriptionScope } from '../../gateway/index.js';
import { baseRecord, getPath, invalid, keptListResult, leafName, previousRecord, randomBytesFrom, requireString } from './common.js';
import type { ProviderContext, ResourceInput, ResourceProvider } from './types.js';

/**
 * APIM access control: products (and their APIs and groups), users, groups and subscriptions with
 * their keys. Subscription keys are 32 lower-case hex characters as APIM generates them, kept on
 * redeploy, given by the template when it sets `primaryKey`/`secondaryKey`, and answered by
 * `listSecrets()`; an ARM GET of a subscription does not show them (as in Azure).
 */
const NS = 'Microsoft.ApiManagement/service';

const serviceIdOf = (id: string) => id.split('/').slice(0, 9).join('/');

function requireChild(input: ResourceInput, ctx: ProviderContext, type: string, name: string, what: string): void {
  const id = `${serviceIdOf(input.id)}/${type}/${name}`;
  if (!ctx.tx.getResource(id)) throw invalid(input, ctx, `the ${what} '${name}' does not exist in the service (deploy it first or add a dependsOn).`);
}

const productProvider: ResourceProvider = {
  types: [`${NS}/products`],
  apply(input, ctx) {
    requireString(input, ctx, 'displayName');
    const state = getPath(input.properties, 'state');
    if (state !== undefined && (typeof state !== 'string' || !/^(published|notpublished)$/i.test(state))) throw invalid(input, ctx, "the property 'properties.state' must be 'published' or 'notPublished'.");
    const limit = getPath(input.properties, 'subscriptionsLimit');
    if (limit !== undefined && limit !== null && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)) throw invalid(input, ctx, "the property 'properties.subscriptionsLimit' must be a whole number.");
    return baseRecord(input);
  },
};

/** `products/apis/{api}` and `products/groups/{group}`: links that need both ends. */
const productLinkProvider: ResourceProvider = {
  types: [`${NS}/products/apis`, `${NS}/products/groups`],
  apply(input, ctx) {
    const isApi = input.type.toLowerCase().endsWith('/apis');
    const name = leafName(input.name);
    if (isApi) requireChild(input, ctx, 'apis', name, 'API');
    else if (!['administrators', 'developers', 'guests'].includes(name.toLowerCase())) requireChild(input, ctx, 'groups', name, 'group');
    return baseRecord(input);
  },
};

const userProvider: ResourceProvider = {
  types: [`${NS}/users`],
  apply(input, ctx) {
    for (const p of ['email', 'firstName', 'lastName']) requireString(input, ctx, p);
    const record = baseRecord(input);
    const { password: _password, ...rest } = record.properties as Record<string, unknown>;
    record.properties = { state: 'active', registrationDate: new Date(ctx.clock.now()).toISOString(), ...rest };
    return record;
  },
};

const groupProvider: ResourceProvider = {
  types: [`${NS}/groups`, `${NS}/groups/users`],
  apply(input, ctx) {
    if (input.type.toLowerCase().endsWith('/groups')) requireString(input, ctx, 'displayName');
    else requireChild(input, ctx, 'users', leafName(input.name), 'user');
    return baseRecord(input);
  },
};

/** An APIM subscription key: 32 lower-case hex characters. */
export function subscriptionKey(ctx: ProviderContext): string {
  return randomBytesFrom(ctx, 16).toString('hex');
}

const subscriptionProvider: ResourceProvider = {
  types: [`${NS}/subscriptions`],
  apply(input, ctx) {
    const scope = requireString(input, ctx, 'scope');
    requireString(input, ctx, 'displayName');
    const parsed = parseSubscriptionScope(scope);
    if (!parsed) throw invalid(input, ctx, `the scope '${scope}' is not '/apis', '/apis/{apiId}', '/products/{productId}' or the service.`);
    if (parsed.kind === 'api') requireChild(input, ctx, 'apis', parsed.name, 'API');
    if (parsed.kind === 'product') requireChild(input, ctx, 'products', parsed.name, 'product');
    const owner = getPath(input.properties, 'ownerId');
    if (owner !== undefined && (typeof owner !== 'string' || !/\/users\/[^/]+$/i.test(owner))) throw invalid(input, ctx, "the property 'properties.ownerId' must be '/users/{userId}' or a user resource id.");
    if (typeof owner === 'string') requireChild(input, ctx, 'users', owner.split('/').pop()!, 'user');
    const state = getPath(input.properties, 'state') ?? 'active';
    if (typeof state !== 'string' || !/^(suspended|active|expired|submitted|rejected|cancelled)$/i.test(state)) throw invalid(input, ctx, `the subscription state '${String(state)}' is not valid.`);
    for (const k of ['primaryKey', 'secondaryKey']) {
      const v = getPath(input.properties, k);
      if (v !== undefined && (typeof v !== 'string' || v.length < 1 || v.length > 256)) throw invalid(input, ctx, `the property 'properties.${k}' must be a string of 1 to 256 characters.`);
    }
    const record = baseRecord(input);
    const previous = previousRecord(record, ctx);
    const given = (k: string) => getPath(input.properties, k) as string | undefined;
    const kept = keptListResult(previous, 'listsecrets', () => ({ primaryKey: subscriptionKey(ctx), secondaryKey: subscriptionKey(ctx) }));
    const secrets = { primaryKey: given('primaryKey') ?? kept.primaryKey, secondaryKey: given('secondaryKey') ?? kept.secondaryKey };
    const { primaryKey: _p, secondaryKey: _s, ...rest } = record.properties as Record<string, unknown>;
    const now = new Date(ctx.clock.now()).toISOString();
    record.properties = { state, createdDate: (previous?.properties.createdDate as string | undefined) ?? now, allowTracing: false, ...rest };
    record.listResults = { listsecrets: secrets };
    return record;
  },
};

export const apimAccessProviders: ResourceProvider[] = [productProvider, productLinkProvider, userProvider, groupProvider, subscriptionProvider];
