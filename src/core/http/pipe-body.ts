import type { Readable } from 'node:stream';
import type { ServerResponse } from 'node:http';

/**
 * Stream a response body to the client. `stream.pipeline` allocates an AbortController (and a
 * DOMException) per call, a few percent of a proxy hop's CPU here; plain `pipe` with explicit
 * teardown does the same job: an upstream error or a client that goes away destroys both sides.
 */
export function pipeBody(source: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve();
    };
    source.once('error', () => {
      res.destroy();
      finish();
    });
    res.once('close', () => {
      if (!res.writableFinished) source.destroy();
      finish();
    });
    source.pipe(res);
  });
}
