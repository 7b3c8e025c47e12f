import type { ApiInfo, SubscriptionInfo } from '../expressions/host.js';

/**
 * The runtime data the gateway lends to policy expressions, beyond HostContext: the expression
 * helper's member tables read these shapes (announced in the team notes). Plain data, filled once per
 * request from the compiled service; nothing here is computed lazily except bodies.
 */

/** `context.Subscription` (docs/behaviour/apim.md §3): the key's subscription. */
export interface SubscriptionData extends SubscriptionInfo {
  /** ISO dates, when known. */
  createdDate?: string;
  startDate?: string;
  endDate?: string;
  /** Owner user id (`context.User` is that user), absent for a standalone subscription. */
  ownerId?: string;
  allowTracing: boolean;
  scope: string;
}

/** `context.Product` (docs/behaviour/apim.md §4.3): the product the request runs in, or null. */
export interface ProductData {
  id: string;
  name: string;
  /** `Published` | `NotPublished` */
  state: string;
  subscriptionRequired: boolean;
  approvalRequired: boolean;
  subscriptionsLimit: number | null;
  /** Group names. */
  groups: string[];
  /** API names. */
  apis: string[];
  /** The product's APIs as `context.Api` describes them (`context.Product.Apis`). */
  apiInfos: readonly ApiInfo[];
}

/** `context.User`: the subscription's owner, or null. */
export interface UserData {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  note: string;
  /** ISO date. */
  registrationDate: string;
  groups: Array<{ id: string; name: string }>;
  identities: Array<{ provider: string; id: string }>;
}

/**
 * `context.Request.Body` / `context.Response.Body` (IMessageBody): the text of a buffered body.
 * `read(false)` consumes it (a second read throws, docs/behaviour/apim.md §2 set-body); `read(true)` keeps it.
 * The gateway buffers a body before running a step whose expressions mention `Body`.
 */
export interface MessageBodyData {
  readonly $type: 'MessageBody';
  read(preserveContent: boolean): string;
  readonly consumed: boolean;
}
