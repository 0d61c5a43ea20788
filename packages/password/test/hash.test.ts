import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  needsRehash,
  parsePasswordHash,
  verifyPassword,
} from '../src/index.js';

// ln=10 keeps unit tests fast; the default cost has its own test below.
const FAST = { ln: 10, r: 8, p: 1 };

describe('hashPassword / verifyPassword', () => {
  it('writes a PHC scrypt string with its parameters, a 16-byte salt and a 32-byte hash', async () => {
    const phc = await hashPassword('Violet-Tramway-Quiche-42', FAST);
    expect(phc).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const parsed = parsePasswordHash(phc);
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.hash).toHaveLength(32);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const phc = await hashPassword('Violet-Tramway-Quiche-42', FAST);
    expect(await verifyPassword('Violet-Tramway-Quiche-42', phc)).toBe(true);
    expect(await verifyPassword('Violet-Tramway-Quiche-43', phc)).toBe(false);
  });

  it('salts every hash: the same password twice gives two strings', async () => {
    expect(await hashPassword('same', FAST)).not.toBe(await hashPassword('same', FAST));
  });

  it('normalises with NFKC on set and verify: decomposed é verifies a composed hash', async () => {
    const phc = await hashPassword('Élan-Vital-42', FAST);
    expect(await verifyPassword('Élan-Vital-42'.normalize('NFD'), phc)).toBe(true);
  });

  it('uses OWASP scrypt parameters by default (N=2^17, r=8, p=1) and verifies them', async () => {
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ ln: 17, r: 8, p: 1 });
    const phc = await hashPassword('Violet-Tramway-Quiche-42');
    expect(phc.startsWith('$scrypt$ln=17,r=8,p=1$')).toBe(true);
    expect(await verifyPassword('Violet-Tramway-Quiche-42', phc)).toBe(true);
  });

  it('refuses a 1 MB password with ERR_INPUT_TOO_LARGE', async () => {
    await expect(hashPassword('a'.repeat(1 << 20), FAST)).rejects.toMatchObject({
      code: 'ERR_INPUT_TOO_LARGE',
    });
  });
});

describe('needsRehash', () => {
  it('is true for a hash weaker than the current parameters and false at them', async () => {
    const weak = await hashPassword('x', FAST);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(weak, FAST)).toBe(false);
    expect(needsRehash(weak, { ...FAST, r: 16 })).toBe(true);
  });
});

describe('parsePasswordHash', () => {
  it('refuses a tampered cost that would ask for gigabytes', () => {
    const salt = 'A'.repeat(22);
    const hash = 'B'.repeat(43);
    expect(() => parsePasswordHash(`$scrypt$ln=30,r=8,p=1$${salt}$${hash}`)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSWORD_HASH_INVALID', status: 500 }),
    );
  });

  it('refuses bcrypt and argon2 strings', () => {
    expect(() => parsePasswordHash('$2b$12$abcdefghijklmnopqrstuu')).toThrow(/PHC/);
    expect(() => parsePasswordHash('$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA')).toThrow(/PHC/);
  });

  it('throws only ERR_PASSWORD_HASH_INVALID on any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (s) => {
        try {
          parsePasswordHash(s);
        } catch (e) {
          expect((e as { code?: string }).code).toBe('ERR_PASSWORD_HASH_INVALID');
        }
      }),
    );
  });
});
