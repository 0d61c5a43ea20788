/**
 * A small reverse proxy on loopback for tests, doing what nginx's
 * `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for` does: it appends the address of
 * its peer to the `X-Forwarded-For` the client sent, and forwards the request to the app.
 *
 * Every test client reaches it from 127.0.0.1, so a test names the peer it stands for in the
 * `x-sim-peer` header (stripped before forwarding): the proxy appends that address instead, as
 * nginx would append the real client's. Only loopback, bounded by the tests' own requests.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a proxy in front of `target` (`http://127.0.0.1:<port>`). */
export async function startForwardingProxy(target: string): Promise<TestProxy> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = { ...req.headers };
    const peer = typeof headers['x-sim-peer'] === 'string' ? headers['x-sim-peer'] : req.socket.remoteAddress;
    delete headers['x-sim-peer'];
    const prior = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = prior ? `${String(prior)}, ${peer}` : String(peer);
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  // A spoofed chain of hundreds of hops makes a long header: allow what nginx allows (large_client_header_buffers 8k+).
  server.maxHeadersCount = 200;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A raw HTTP/1.1 request whose target is sent as is (fetch would normalise `\` and drop `#`). */
export function rawRequest(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: target,
        // One connection per request: a server that answers before reading a body may close it.
        agent: false,
        headers: { 'content-length': String(body === undefined ? 0 : Buffer.byteLength(body)), ...headers },
        timeout: 5_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${target}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
