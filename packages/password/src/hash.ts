import { Buffer } from 'node:buffer';
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { ConfigError, InputError } from '@portcullis/core';
import { PasswordHashError } from './errors.js';
import { normalizePassword } from './validator.js';

/** scrypt cost parameters, as written in the PHC string (`ln` is log2 of N). */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly ln: number;
  /** Block size. */
  readonly r: number;
  /** Parallelism. */
  readonly p: number;
}

/**
 * OWASP Password Storage Cheat Sheet, scrypt: "a minimum CPU/memory cost parameter of (2^17),
 * a minimum block size of 8 (1024 bytes), and a parallelization parameter of 1"
 * (https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#scrypt).
 * 128 MiB of memory per hash.
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({ ln: 17, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Longest password hashed (UTF-16 units): scrypt prehashes, but NFKC of a megabyte is not free. */
const MAX_PASSWORD_UNITS = 4096;

function checkParams(params: ScryptParams, where: string, fail: (msg: string) => Error): void {
  const { ln, r, p } = params;
  // Bounds keep a tampered stored hash from asking for gigabytes or minutes.
  if (!Number.isInteger(ln) || ln < 10 || ln > 22) throw fail(`${where}: ln must be an integer in 10..22`);
  if (!Number.isInteger(r) || r < 1 || r > 32) throw fail(`${where}: r must be an integer in 1..32`);
  if (!Number.isInteger(p) || p < 1 || p > 16) throw fail(`${where}: p must be an integer in 1..16`);
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.ln;
  const opts: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    maxmem: 128 * N * params.r * params.p + 32 * 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function prepare(password: string): string {
  if (typeof password !== 'string') throw new InputError('ERR_INPUT_INVALID', 'password must be a string');
  if (password.length > MAX_PASSWORD_UNITS)
    throw new InputError('ERR_INPUT_TOO_LARGE', 'password is too long');
  return normalizePassword(password);
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

/** A parsed PHC scrypt string. */
export interface ParsedPasswordHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Parses `$scrypt$ln=17,r=8,p=1$<salt>$<hash>`; throws `ERR_PASSWORD_HASH_INVALID` on anything else. */
export function parsePasswordHash(phc: string): ParsedPasswordHash {
  if (typeof phc !== 'string' || phc.length > 512) throw new PasswordHashError('not a PHC scrypt string');
  const m =
    /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,88})\$([A-Za-z0-9+/]{16,88})$/.exec(
      phc,
    );
  if (!m) throw new PasswordHashError('not a PHC scrypt string');
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  checkParams(params, 'stored hash', (msg) => new PasswordHashError(msg));
  const salt = Buffer.from(m[4] as string, 'base64');
  const hash = Buffer.from(m[5] as string, 'base64');
  if (salt.length < 8 || hash.length < 16) throw new PasswordHashError('salt or hash too short');
  return { params, salt, hash };
}

/**
 * Hashes a password with scrypt (per-hash random salt, NFKC first, parameters in the string so
 * they can be raised later).
 *
 * @example
 * ```ts
 * const stored = await hashPassword('correct horse battery staple');
 * // $scrypt$ln=17,r=8,p=1$<salt>$<hash>
 * ```
 */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  checkParams(params, 'hashPassword', (msg) => new ConfigError(msg));
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(prepare(password), salt, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/**
 * Verifies a password against a stored PHC string in constant time (`timingSafeEqual`).
 * Throws `ERR_PASSWORD_HASH_INVALID` for a malformed stored hash (a server fault, not a wrong password).
 */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const parsed = parsePasswordHash(phc);
  const key = await derive(prepare(password), parsed.salt, parsed.params);
  return key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash);
}

/**
 * True when a stored hash uses weaker parameters than `params`: rehash it with the password the
 * user just typed, after a successful login.
 */
export function needsRehash(phc: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): boolean {
  const { params: stored } = parsePasswordHash(phc);
  return stored.ln < params.ln || stored.r < params.r || stored.p < params.p;
}
