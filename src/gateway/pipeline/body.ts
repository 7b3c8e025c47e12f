import type { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { ExpressionRuntimeError } from '../expressions/values.js';
import { GATEWAY_LIMITS } from '../request-limits.js';
import { PolicyError } from './errors.js';
import type { MessageBodyData } from './runtime-data.js';

export type Body =
  | { kind: 'none' }
  | { kind: 'text'; text: string }
  | { kind: 'stream'; stream: Readable | IncomingMessage };

/** Read a stream to text, refusing more than `limit` bytes (the stream is then drained and dropped). */
export async function readStream(stream: Readable, limit: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    size += b.length;
    if (size > limit) {
      stream.resume();
      throw new PolicyError({
        source: 'gateway', reason: 'BodyTooLarge', statusCode: 413, responseMessage: 'Request entity too large',
        message: `The ${what} body is larger than ${limit} bytes, the most the gateway buffers.`,
      });
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as text, buffering a stream once (at most the buffered-payload limit). */
export async function bufferBody(b: Body, what: string, limit = GATEWAY_LIMITS.maxBufferedBodyBytes): Promise<Body> {
  if (b.kind !== 'stream') return b;
  return { kind: 'text', text: await readStream(b.stream, limit, what) };
}

/** Drop a body no one will read (a stream is drained so its connection is freed). */
export function drain(b: Body): void {
  if (b.kind === 'stream') b.stream.resume();
}

/**
 * `IMessageBody` over a holder of a buffered body: `read(false)` consumes (the holder's body becomes
 * none, a second read throws as APIM's does), `read(true)` keeps it.
 */
export function messageBody(holder: { get(): Body; set(b: Body): void }): MessageBodyData | null {
  const b = holder.get();
  if (b.kind === 'none') return null;
  let consumed = false;
  return {
    $type: 'MessageBody',
    get consumed() { return consumed; },
    read(preserve: boolean): string {
      if (consumed) throw new ExpressionRuntimeError('InvalidOperationException', 'The message body has already been read and cannot be read again. Use preserveContent: true to read it more than once.');
      const cur = holder.get();
      if (cur.kind === 'stream') throw new ExpressionRuntimeError('InvalidOperationException', 'The message body was not buffered before it was read.');
      const text = cur.kind === 'text' ? cur.text : '';
      if (!preserve) { consumed = true; holder.set({ kind: 'none' }); }
      return text;
    },
  };
}
