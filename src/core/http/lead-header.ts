import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';

/**
 * A header every answer of a listener starts with (a request id), given to node with the answer's own headers.
 * `res.setHeader` before `writeHead(status, headers)` sends node down writeHead's slow path (each of the answer's
 * headers set and validated one by one, kept as `[name, value]` entries); a response of this class holds the header
 * and puts it first in whatever `writeHead` is given, or sets it the moment a handler calls `setHeader` (so it stays
 * first then too). What goes out is what `setHeader` + `writeHead` sent: the header first, and replaced in that place
 * by an answer header of the same name.
 */
const LEAD = Symbol('trustline lead header');

export class LeadHeaderResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  [LEAD]: [string, string] | undefined = undefined;

  #flushLead(): void {
    const lead = this[LEAD];
    if (!lead) return;
    this[LEAD] = undefined;
    super.setHeader(lead[0], lead[1]);
  }

  override setHeader(name: string, value: number | string | readonly string[]): this {
    this.#flushLead();
    return super.setHeader(name, value);
  }

  override appendHeader(name: string, value: string | readonly string[]): this {
    this.#flushLead();
    return super.appendHeader(name, value);
  }

  override writeHead(statusCode: number, reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    const lead = this[LEAD];
    if (!lead) return super.writeHead(statusCode, reason as string, headers);
    this[LEAD] = undefined;
    const given = typeof reason === 'string' ? headers : reason;
    let all: OutgoingHttpHeaders | OutgoingHttpHeader[];
    if (Array.isArray(given)) {
      all = given.some((x, i) => i % 2 === 0 && String(x).toLowerCase() === lead[0]) ? (super.setHeader(lead[0], lead[1]), given) : [lead[0], lead[1], ...given];
    } else {
      let named = false;
      for (const k in given) if (k.length === lead[0].length && k.toLowerCase() === lead[0]) named = true;
      if (named) super.setHeader(lead[0], lead[1]);
      all = named ? given! : { [lead[0]]: lead[1], ...(given as OutgoingHttpHeaders | undefined) };
    }
    return typeof reason === 'string' ? super.writeHead(statusCode, reason, all) : super.writeHead(statusCode, all);
  }
}

/** Start every answer of `res` with `name: value` (lower-case name): held until writeHead when `res` can, else `setHeader`. */
export function setLeadHeader(res: ServerResponse, name: string, value: string): void {
  if (res instanceof LeadHeaderResponse) (res as LeadHeaderResponse)[LEAD] = [name, value];
  else res.setHeader(name, value);
}
