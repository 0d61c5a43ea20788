import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHibpBreachProvider, createOfflineBreachProvider, findInRange, sha1Hex } from '../src/index.js';

const PWNED = 'password123';
const HASH = sha1Hex(PWNED);

/** A local stand-in for api.pwnedpasswords.com/range/<prefix>. */
let server: Server;
let baseUrl: string;
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
let mode: 'ok' | 'error' | 'hang' = 'ok';

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if (mode === 'error') {
      res.writeHead(503).end();
      return;
    }
    if (mode === 'hang') return;
    const prefix = (req.url ?? '').split('/').pop() ?? '';
    const lines = ['0018A45C4D1DEF81644B54AB7F969B88D65:0'];
    if (prefix === HASH.slice(0, 5)) lines.push(`${HASH.slice(5)}:2254650`);
    lines.push('00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('createHibpBreachProvider', () => {
  it('sends only the 5-character SHA-1 prefix, with Add-Padding', async () => {
    mode = 'ok';
    seen.length = 0;
    const hibp = createHibpBreachProvider({ baseUrl });
    expect(await hibp.check(PWNED)).toEqual({ breached: true, count: 2254650 });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe(`/range/${HASH.slice(0, 5)}`);
    expect(seen[0]?.headers['add-padding']).toBe('true');
    expect(JSON.stringify(seen)).not.toContain(HASH.slice(5));
  });

  it('answers clean for a hash absent from the range', async () => {
    mode = 'ok';
    expect(await createHibpBreachProvider({ baseUrl }).check('Ochre-Lantern-Fjord-77')).toEqual({
      breached: false,
    });
  });

  it('caches by prefix: a second check of the same prefix makes no request', async () => {
    mode = 'ok';
    seen.length = 0;
    const hibp = createHibpBreachProvider({ baseUrl });
    await hibp.check(PWNED);
    await hibp.check(PWNED);
    expect(seen).toHaveLength(1);
  });

  it('shares one request between concurrent checks of a prefix', async () => {
    mode = 'ok';
    seen.length = 0;
    const hibp = createHibpBreachProvider({ baseUrl });
    await Promise.all([hibp.check(PWNED), hibp.check(PWNED), hibp.check(PWNED)]);
    expect(seen).toHaveLength(1);
  });

  it('rejects on a non-2xx answer (the validator maps it to unavailable)', async () => {
    mode = 'error';
    await expect(createHibpBreachProvider({ baseUrl }).check(PWNED)).rejects.toThrow(/503/);
  });

  it('rejects after the timeout when the API hangs', async () => {
    mode = 'hang';
    await expect(createHibpBreachProvider({ baseUrl, timeoutMs: 50 }).check(PWNED)).rejects.toThrow();
  });
});

describe('findInRange', () => {
  it('ignores padding lines with a count of 0', () => {
    expect(findInRange('ABC:0\r\nDEF:3', 'ABC')).toBe(0);
    expect(findInRange('ABC:0\r\nDEF:3', 'DEF')).toBe(3);
  });

  it('matches only at the start of a line', () => {
    expect(findInRange('XABC:5', 'ABC')).toBe(0);
  });

  it('never throws and never returns a negative count on any body (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.stringMatching(/^[0-9A-F]{1,35}$/), (body, suffix) => {
        const n = findInRange(body, suffix);
        expect(Number.isInteger(n) && n >= 0).toBe(true);
      }),
    );
  });
});

describe('createOfflineBreachProvider', () => {
  it('matches HIBP dump lines and plain passwords', async () => {
    const p = createOfflineBreachProvider({
      sha1: [`${HASH.toLowerCase()}:42`, 'junk'],
      passwords: ['hunter2hunter2'],
    });
    expect(await p.check(PWNED)).toEqual({ breached: true, count: 42 });
    expect(await p.check('hunter2hunter2')).toEqual({ breached: true, count: 1 });
    expect(await p.check('Ochre-Lantern-Fjord-77')).toEqual({ breached: false });
  });
});
