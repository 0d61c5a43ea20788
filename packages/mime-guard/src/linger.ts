import type { Readable, Writable } from 'node:stream';

/** How long a refused request's body is still read, before the connection closes. */
export interface LingerOptions {
  /** Bytes of the rest of the body read and discarded at most. Default 1 MiB. */
  maxBytes?: number | undefined;
  /** Milliseconds the rest of the body is read at most, from the refusal. Default 2000. */
  maxMs?: number | undefined;
}

export const DEFAULT_LINGER: Readonly<{ maxBytes: number; maxMs: number }> = {
  maxBytes: 1024 * 1024,
  maxMs: 2000,
};

/** The Node response a refusal is answered on (`ServerResponse`, Express's `res`, `reply.raw`). */
export interface RefusalResponse extends Writable {
  readonly headersSent?: boolean;
  setHeader?(name: string, value: string): unknown;
}

/** The socket under a Node request body, as far as closing it is concerned. */
interface LingeringSocket {
  end(): unknown;
  destroy(): unknown;
  once(event: 'end' | 'close', listener: () => void): unknown;
  destroySoon?: () => void;
}

const ignore = () => {};
const lingering = new WeakSet<Readable>();

/** Runs `then` once the response has been handed to the socket whole (or is gone). */
function whenAnswered(response: Writable | undefined, then: () => void): void {
  if (!response || response.writableFinished || response.destroyed) {
    then();
    return;
  }
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    then();
  };
  response.once('finish', once);
  response.once('close', once);
}

/**
 * What follows a refusal that comes before the body's end (an upload over its limit, a refused
 * file, a malformed form), so that the answer goes out at once, the client reads it, and the rest
 * of the body is not read whole:
 * - the answer carries `Connection: close`: a client still sending may stop (RFC 9112 §9.6) and
 *   never reuses the connection for a next request while this body is half sent;
 * - the rest of the body is read and discarded for a bounded while (`maxBytes`, `maxMs`), and
 *   when Node closes the connection after the answer it half-closes (FIN) and keeps discarding
 *   until the client closes its side or the bounds are reached (a lingering close, as nginx and
 *   Apache do): closing a socket with unread bytes makes the kernel send a reset, and a reset can
 *   discard the answer at the client before it is read.
 * Without it, Node either reads the whole rest before the next request (keep-alive: 50 MB read to
 * refuse a 50 MB upload) or resets a client that is still sending.
 *
 * @example
 * ```ts
 * lingerAfterRefusal(req, res); // then answer the 413 on `res`
 * ```
 */
export function lingerAfterRefusal(
  body: Readable,
  response?: RefusalResponse,
  options: LingerOptions = {},
): void {
  if (body.readableEnded || body.destroyed || lingering.has(body)) return;
  lingering.add(body);
  const maxBytes = options.maxBytes ?? DEFAULT_LINGER.maxBytes;
  const maxMs = options.maxMs ?? DEFAULT_LINGER.maxMs;
  if (response && !response.headersSent) response.setHeader?.('connection', 'close');
  const socket = (body as { socket?: LingeringSocket | null }).socket ?? undefined;
  if (socket) {
    // Node calls this once the `Connection: close` answer is out: FIN now, close on the client's
    // FIN, or after `maxMs` at most, so a client that never closes its side holds no socket.
    socket.destroySoon = () => {
      socket.end();
      const deadline = setTimeout(() => socket.destroy(), maxMs);
      (deadline as { unref?: () => void }).unref?.();
      socket.once('end', () => socket.destroy());
      socket.once('close', () => clearTimeout(deadline));
    };
  }
  let read = 0;
  const close = () => {
    clearTimeout(timer);
    body.off('data', onData);
    // The bounds are reached: keep discarding until the answer is out, then close.
    whenAnswered(response, () => {
      if (!body.readableEnded) body.destroy();
    });
  };
  const onData = (chunk: { length: number }) => {
    read += chunk.length;
    if (read > maxBytes) close();
  };
  const timer = setTimeout(close, maxMs);
  (timer as { unref?: () => void }).unref?.();
  body.on('error', ignore);
  body.on('data', onData);
  body.once('end', () => {
    clearTimeout(timer);
    body.off('data', onData);
  });
  body.resume();
  // Ask the source to read again in case a consumer stopped it on backpressure (a no-op when
  // it is already reading; kept from debugging, where it was not the cause, as a cheap guard).
  body.read(0);
}
