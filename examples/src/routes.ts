/**
 * The demo's application logic, written once: each framework flavour reads the request, calls
 * one of these, and writes the result (or lets the thrown PortcullisError become problem+json).
 * What Portcullis decides (limits, tokens, password policy, uploads, audit, metrics) is wired by
 * the adapters' one-call entry point in each app; this file is what an application adds.
 */
import type { Readable } from 'node:stream';
import { type ClientAddressInput, type HeaderSource, InputError, PortcullisError } from '@portcullis/core';
import { type AcceptedUpload, type StoredUpload, servingHeaders } from '@portcullis/mime-guard';
import { hashPassword, PasswordPolicyError, verifyPassword } from '@portcullis/password';
import {
  type AccessTokenClaims,
  createTokenExtractor,
  TOKEN_RESPONSE_HEADERS,
  TokenError,
  type TokenPair,
} from '@portcullis/tokens';
import type { StoredFile } from './files.ts';
import type { DemoSecurity } from './security.ts';

/** Errors of the demo application itself (listed in docs/errors.md). */
export type DemoErrorCode = 'ERR_DEMO_INVALID_CREDENTIALS' | 'ERR_DEMO_USER_TAKEN' | 'ERR_DEMO_NOT_FOUND';

const DEMO_ERRORS: Record<DemoErrorCode, [number, string]> = {
  ERR_DEMO_INVALID_CREDENTIALS: [401, 'Invalid username or password'],
  ERR_DEMO_USER_TAKEN: [409, 'Username or e-mail already registered'],
  ERR_DEMO_NOT_FOUND: [404, 'Not Found'],
};

/** A demo error: a PortcullisError, so every adapter answers it as problem+json. */
export class DemoError extends PortcullisError<DemoErrorCode> {
  constructor(code: DemoErrorCode, detail?: string) {
    const [status, title] = DEMO_ERRORS[code];
    super(code, status, title, detail === undefined ? {} : { detail });
    this.name = 'DemoError';
  }
}

/** What a route answers; the flavour writes it with its own idiom. */
export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Readonly<Record<string, string>> | undefined;
}

/** A stored file ready to be streamed back. */
export interface FileDownload {
  headers: Record<string, string>;
  stream: Readable;
}

/** The login answer of the issue: camelCase over the token service's RFC 6749 names. */
export interface LoginBody {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

function toLoginBody(pair: TokenPair): LoginBody {
  return {
    accessToken: pair.access_token,
    refreshToken: pair.refresh_token,
    tokenType: pair.token_type,
    expiresIn: pair.expires_in,
  };
}

function fields<K extends string>(body: unknown, names: readonly K[]): Record<K, string> {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const out = {} as Record<K, string>;
  for (const n of names) {
    const v = b[n];
    // 1 KiB bounds every credential field before hashing or lookup (OWASP: limit input size).
    if (typeof v !== 'string' || v === '' || v.length > 1024)
      throw new InputError('ERR_INPUT_INVALID', `${n} must be a non-empty string`);
    out[n] = v;
  }
  return out;
}

/** The demo's routes, bound to its modules. */
export interface DemoRoutes {
  health(): RouteResult;
  register(body: unknown): Promise<RouteResult>;
  login(body: unknown, client: ClientAddressInput): Promise<RouteResult>;
  refresh(body: unknown): Promise<RouteResult>;
  logout(headers: HeaderSource): Promise<RouteResult>;
  logoutAll(claims: AccessTokenClaims | undefined): Promise<RouteResult>;
  me(claims: AccessTokenClaims | undefined): RouteResult;
  resetConfirm(body: unknown, client: ClientAddressInput, locale: string | undefined): Promise<RouteResult>;
  /** `store` of the upload guard: writes one accepted file for the token's subject. */
  storeUpload(
    file: AcceptedUpload<Readable | Uint8Array>,
    claims: AccessTokenClaims | undefined,
  ): Promise<StoredFile>;
  uploaded(files: readonly StoredUpload<unknown>[] | undefined): RouteResult;
  download(id: string | undefined, claims: AccessTokenClaims | undefined): Promise<FileDownload>;
  /** Creates the demo user unless it exists (its password goes through the policy like any other). */
  ensureDemoUser(): Promise<void>;
}

function subject(claims: AccessTokenClaims | undefined): string {
  if (!claims) throw new TokenError('ERR_TOKEN_MISSING');
  return claims.sub;
}

/** Binds the routes to the modules. */
export function createDemoRoutes(sec: DemoSecurity): DemoRoutes {
  const extract = createTokenExtractor();
  // Unknown usernames are checked against a real hash too, so both answers take as long
  // (OWASP Authentication Cheat Sheet, "Authentication Responses").
  let dummyHash: Promise<string> | undefined;
  const dummy = () => {
    dummyHash ??= hashPassword('portcullis-timing-equaliser');
    return dummyHash;
  };

  return {
    health: () => ({ status: 200, body: { status: 'ok' } }),

    async register(body) {
      // The password policy already ran (the adapter's passwordPolicy middleware, 422 on failure).
      const { username, email, password } = fields(body, ['username', 'email', 'password']);
      const user = await sec.users.create({ username, email, passwordHash: await hashPassword(password) });
      if (user === 'taken') throw new DemoError('ERR_DEMO_USER_TAKEN');
      return { status: 201, body: { id: user.id, username: user.username, email: user.email } };
    },

    async login(body, client) {
      const { username, password } = fields(body, ['username', 'password']);
      const attempt = await sec.loginGuard.attempt({ username, client });
      if (!attempt.allowed) throw attempt.error;
      const user = await sec.users.byUsername(username);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await dummy()));
      if (!user || !ok) {
        await attempt.failed();
        throw new DemoError('ERR_DEMO_INVALID_CREDENTIALS');
      }
      await attempt.succeeded({ userId: user.id });
      const pair = await sec.tokens.issue({ subject: user.id, claims: { username: user.username } });
      return { status: 200, headers: TOKEN_RESPONSE_HEADERS, body: toLoginBody(pair) };
    },

    async refresh(body) {
      const { refreshToken } = fields(body, ['refreshToken']);
      return {
        status: 200,
        headers: TOKEN_RESPONSE_HEADERS,
        body: toLoginBody(await sec.tokens.refresh(refreshToken)),
      };
    },

    async logout(headers) {
      const token = extract(headers);
      if (token === undefined) throw new TokenError('ERR_TOKEN_MISSING');
      await sec.tokens.revoke(token);
      return { status: 204 };
    },

    async logoutAll(claims) {
      await sec.tokens.revokeAll(subject(claims));
      return { status: 204 };
    },

    me(claims) {
      return { status: 200, body: { subject: subject(claims), claims } };
    },

    async resetConfirm(body, client, locale) {
      const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      const result = await sec.reset.confirm({ token: b.token, password: b.password, client, locale });
      if (result.status === 'rejected') throw new PasswordPolicyError(result.validation.failures);
      return { status: 204 };
    },

    storeUpload(file, claims) {
      // The file id is the guard's random storage name, so the `upload_stored` audit record
      // (which names the storage name) and the later reads name the same file.
      return sec.files.save(
        file.content,
        {
          ownerId: subject(claims),
          mime: file.type.mime,
          ext: file.type.ext,
          originalName: file.filename ?? '',
        },
        file.storageName.split('.')[0],
      );
    },

    uploaded(files) {
      const first = files?.find((f) => f.field === 'file');
      if (!first) throw new InputError('ERR_INPUT_INVALID', 'multipart field "file" is required');
      const stored = first.stored as StoredFile;
      return { status: 201, body: { id: stored.id, type: stored.mime, size: stored.size } };
    },

    async download(id, claims) {
      const owner = subject(claims);
      const file = id === undefined ? undefined : await sec.files.stat(id);
      // Someone else's file answers like a missing one: ids are not an oracle (OWASP IDOR).
      if (!file || file.ownerId !== owner) throw new DemoError('ERR_DEMO_NOT_FOUND', 'no such file');
      return {
        headers: {
          ...servingHeaders({ id: file.ext, mime: file.mime }, { filename: file.originalName || undefined }),
          'Content-Length': String(file.size),
        },
        stream: sec.files.open(file),
      };
    },

    async ensureDemoUser() {
      const { username, email, password } = sec.config.demoUser;
      if (await sec.users.byUsername(username)) return;
      const check = await sec.validator.validate(password, { username, email });
      if (!check.ok) throw new PasswordPolicyError(check.failures);
      await sec.users.create({ username, email, passwordHash: await hashPassword(password) });
    },
  };
}

/** The 404 of every flavour, as problem+json. */
export function notFound(method: string, path: string): DemoError {
  return new DemoError('ERR_DEMO_NOT_FOUND', `no route for ${method} ${path}`);
}
