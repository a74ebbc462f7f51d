import { PassThrough, type Readable } from 'node:stream';

/**
 * The request body as a stream that fails with `timeout()` when it has not ended within `ms` of
 * the call, so a client that sends a few bytes a minute cannot hold a request (and a graceful
 * shutdown) open. Used from fastify's preParsing hook: its body parser answers the error.
 * Destroy the returned stream once the response is done, in case the parser stopped reading early
 * (body too large), so the timer does not outlive the request.
 */
export function withDeadline(source: Readable, ms: number, timeout: () => Error): PassThrough {
  const out = new PassThrough();
  // The parser listens for errors while it reads; once it has given up, a late error has nobody
  // to tell and must not become an uncaught exception.
  out.on('error', () => undefined);
  const timer = setTimeout(() => {
    source.unpipe(out);
    source.pause();
    out.destroy(timeout());
  }, ms);
  const done = () => clearTimeout(timer);
  out.once('close', done);
  source.once('end', done);
  source.once('close', () => {
    done();
    // Closed without ending (the client went away): fail the parse instead of leaving it waiting.
    if (!source.readableEnded && !out.destroyed) out.destroy(Object.assign(new Error('the client closed the connection before the body ended'), { statusCode: 400 }));
  });
  source.once('error', (err) => {
    done();
    out.destroy(err);
  });
  source.pipe(out);
  return out;
}
