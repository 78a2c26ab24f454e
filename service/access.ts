import { timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/client.js';
import { findApiToken } from '../db/repositories/tokens.js';
import { TOKEN_SCOPES, type TokenScope } from '../db/schema.js';
import type { Access } from '../resolvers/access.js';

/**
 * Who may do what. Requests carry `Authorization: Bearer TOKEN`; a token's scope includes the
 * ones before it (admin ⊃ write ⊃ read). Requests without a token get `anonymous`.
 */
export interface AccessPolicy {
  /** What a request without a token may do: nothing, read, or read and write (deleting and tokens always need admin). */
  anonymous: 'none' | 'read' | 'write';
  /**
   * A secret generated when a server starts and kept in memory, with admin scope: the CLI on the
   * same embedded store reads it from the store's lock file to hand its work to the server.
   */
  operatorToken?: string;
}

/** The default: anyone may read, only tokens write. */
export const DEFAULT_ACCESS: AccessPolicy = { anonymous: 'read' };

/** The request's credentials are wrong (malformed header, unknown or revoked token): HTTP 401. */
export class InvalidCredentials extends Error {
  override name = 'InvalidCredentials';
}

const upTo = (scope: TokenScope | 'none'): Set<TokenScope> => new Set(scope === 'none' ? [] : TOKEN_SCOPES.slice(0, TOKEN_SCOPES.indexOf(scope) + 1));

export const anonymousAccess = (policy: AccessPolicy): Access => ({ scopes: upTo(policy.anonymous), who: 'anonymous', authenticated: false });

const sameSecret = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The access an Authorization header gives (absent: anonymous). */
export async function authenticate(db: Database, policy: AccessPolicy, authorization: string | null | undefined): Promise<Access> {
  if (authorization === null || authorization === undefined || authorization === '') return anonymousAccess(policy);
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!match) throw new InvalidCredentials('the Authorization header must be "Bearer TOKEN"');
  const token = match[1];
  if (policy.operatorToken && sameSecret(token, policy.operatorToken)) return { scopes: upTo('admin'), who: 'operator', authenticated: true };
  // Bounded before the lookup: a megabyte of "token" is not worth hashing.
  const found = token.length <= 100 ? await findApiToken(db, token) : null;
  if (!found) throw new InvalidCredentials('the bearer token is not valid (unknown or revoked)');
  return { scopes: upTo(found.scope), who: found.name, authenticated: true };
}
