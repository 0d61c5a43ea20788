/**
 * The demo's user repository: in memory by default, in Redis when REDIS_URL is set so that a
 * user registered through one worker can log in through another. An application brings its own
 * database; Portcullis only needs the calls the routes make here.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

export interface User {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  createdAt: string;
}

export interface UserRepository {
  /** Creates the user, or answers 'taken' when the username or email is in use (atomic). */
  create(input: Omit<User, 'id' | 'createdAt'>): Promise<User | 'taken'>;
  byUsername(username: string): Promise<User | undefined>;
  byEmail(email: string): Promise<User | undefined>;
  byId(id: string): Promise<User | undefined>;
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
}

/** Case-folded, NFKC: `Demo` and `demo` are one account; so are e-mail addresses' spellings. */
export function normaliseLogin(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}

export function createMemoryUsers(): UserRepository {
  const byId = new Map<string, User>();
  const names = new Map<string, string>();
  const emails = new Map<string, string>();
  return {
    async create(input) {
      const name = normaliseLogin(input.username);
      const email = normaliseLogin(input.email);
      if (names.has(name) || emails.has(email)) return 'taken';
      const user: User = { ...input, id: randomUUID(), createdAt: new Date().toISOString() };
      byId.set(user.id, user);
      names.set(name, user.id);
      emails.set(email, user.id);
      return user;
    },
    async byUsername(username) {
      const id = names.get(normaliseLogin(username));
      return id === undefined ? undefined : byId.get(id);
    },
    async byEmail(email) {
      const id = emails.get(normaliseLogin(email));
      return id === undefined ? undefined : byId.get(id);
    },
    async byId(id) {
      return byId.get(id);
    },
    async setPasswordHash(id, passwordHash) {
      const u = byId.get(id);
      if (u) u.passwordHash = passwordHash;
    },
  };
}

/** Redis-backed users: unique username and email claimed with SET NX before the record is written. */
export function createRedisUsers(redis: Redis | Cluster, prefix = 'demo:users:'): UserRepository {
  const key = (kind: string, v: string) => `${prefix}${kind}:${v}`;
  const load = async (id: string | null): Promise<User | undefined> => {
    if (!id) return undefined;
    const raw = await redis.get(key('id', id));
    return raw ? (JSON.parse(raw) as User) : undefined;
  };
  return {
    async create(input) {
      const user: User = { ...input, id: randomUUID(), createdAt: new Date().toISOString() };
      const name = normaliseLogin(input.username);
      const email = normaliseLogin(input.email);
      if ((await redis.set(key('name', name), user.id, 'NX')) !== 'OK') return 'taken';
      if ((await redis.set(key('email', email), user.id, 'NX')) !== 'OK') {
        await redis.del(key('name', name));
        return 'taken';
      }
      await redis.set(key('id', user.id), JSON.stringify(user));
      return user;
    },
    byUsername: async (username) => load(await redis.get(key('name', normaliseLogin(username)))),
    byEmail: async (email) => load(await redis.get(key('email', normaliseLogin(email)))),
    byId: (id) => load(id),
    async setPasswordHash(id, passwordHash) {
      const u = await load(id);
      if (u) await redis.set(key('id', id), JSON.stringify({ ...u, passwordHash }));
    },
  };
}
