import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Database } from '../client.js';
import { apiTokens, type ApiTokenRow, type TokenScope } from '../schema.js';

/** A token as its holder sends it: a fixed prefix (so a leaked one is recognisable) and 32 random bytes. */
const TOKEN_PREFIX = 'mst_';

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export type ApiTokenInfo = Omit<ApiTokenRow, 'tokenHash'>;

const info = ({ tokenHash: _, ...rest }: ApiTokenRow): ApiTokenInfo => rest;

/** The name is already taken by another token (revoked ones included: names stay unambiguous in logs). */
export class TokenNameTaken extends Error {
  override name = 'TokenNameTaken';
}

/** Creates a token; the secret is returned here and never again (only its hash is stored). */
export async function createApiToken(db: Database, scope: TokenScope, name?: string): Promise<{ token: string; info: ApiTokenInfo }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const chosen = name ?? `${scope}-${randomBytes(4).toString('hex')}`;
  const [existing] = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.name, chosen));
  if (existing) throw new TokenNameTaken(`a token named '${chosen}' exists already; choose another name`);
  const [row] = await db.insert(apiTokens).values({ name: chosen, scope, tokenHash: hashToken(token) }).returning();
  return { token, info: info(row) };
}

/** Tokens in creation order; revoked ones only when asked for. */
export async function listApiTokens(db: Database, { includeRevoked = false } = {}): Promise<ApiTokenInfo[]> {
  const rows = await db
    .select()
    .from(apiTokens)
    .where(includeRevoked ? undefined : isNull(apiTokens.revokedAt))
    .orderBy(asc(apiTokens.id));
  return rows.map(info);
}

/** Revokes the live token of this name; null when there is none. */
export async function revokeApiToken(db: Database, name: string): Promise<ApiTokenInfo | null> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt)))
    .returning();
  return row ? info(row) : null;
}

/** The live token a secret belongs to, or null. */
export async function findApiToken(db: Database, token: string): Promise<ApiTokenInfo | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)));
  return row ? info(row) : null;
}
