/**
 * One node:cluster worker of the rate-limit cluster test: a plain node:http server deciding
 * every request with the LOGIN_HEALTH_DEFAULT_ZONES preset on a shared Redis. Run by Node directly (type
 * stripping), so workspace sources are loaded through a resolve hook mapping `.js` to `.ts`.
 */
import { createServer } from 'node:http';
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      if (specifier.startsWith('.') && specifier.endsWith('.js'))
        return next(`${specifier.slice(0, -3)}.ts`, context);
      throw err;
    }
  },
});

const report = (type: string, detail: string) => process.send?.({ type, detail });
process.on('unhandledRejection', (err) => report('unhandled', String(err)));
process.on('uncaughtException', (err) => report('uncaught', String(err)));

const { isPortcullisError, toProblemResponse } = await import('@portcullis/core');
const { LOGIN_HEALTH_DEFAULT_ZONES, createRateLimitPolicy } = await import('../../rate-limit/src/index.ts');
const { createRedisClient, createRedisRateLimitStore, waitForRedis } = await import('../src/index.ts');

const redis = createRedisClient(process.env.REDIS_URL ?? '', {
  commandTimeoutMs: 200,
  connectTimeoutMs: 500,
});
await waitForRedis(redis);
const policy = createRateLimitPolicy({
  ...LOGIN_HEALTH_DEFAULT_ZONES,
  store: createRedisRateLimitStore({ client: redis, prefix: process.env.PREFIX, timeoutMs: 200 }),
  breaker: { failureThreshold: 3, cooldownMs: 300 },
});

const server = createServer((req, res) => {
  policy
    .check({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      client: { remoteAddress: req.socket.remoteAddress, headers: req.headers },
    })
    .then(
      (d) => {
        const status = d.allowed ? 200 : 429;
        res.writeHead(status, { ...d.headers, 'content-type': 'application/json' });
        res.end(JSON.stringify({ pid: process.pid, source: d.source }));
      },
      (err: unknown) => {
        const { status, headers, body } = toProblemResponse(err);
        res.writeHead(status, headers);
        res.end(JSON.stringify({ ...body, pid: process.pid, portcullis: isPortcullisError(err) }));
      },
    );
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  report('listening', String(typeof addr === 'object' && addr ? addr.port : 0));
});
