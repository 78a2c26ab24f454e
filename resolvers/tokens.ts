import { createApiToken, listApiTokens, revokeApiToken, TokenNameTaken, type ApiTokenInfo } from '../db/repositories/tokens.js';
import type { TokenScope } from '../db/schema.js';
import type { GraphQLContext } from './context.js';
import { badInput, notFound } from './errors.js';

const NAME = /^[\w.-]{1,64}$/;

function checkName(name: string | null | undefined): string | undefined {
  if (name === null || name === undefined) return undefined;
  if (!NAME.test(name)) throw badInput('name must be 1 to 64 letters, digits, "_", "." or "-"', 'name');
  return name;
}

export async function resolveCreateToken(scope: TokenScope, name: string | null | undefined, ctx: GraphQLContext) {
  try {
    return await createApiToken(ctx.service.db, scope, checkName(name));
  } catch (error) {
    throw error instanceof TokenNameTaken ? badInput(`name: ${error.message}`, 'name') : error;
  }
}

export async function resolveRevokeToken(name: string, ctx: GraphQLContext): Promise<ApiTokenInfo> {
  const revoked = await revokeApiToken(ctx.service.db, name);
  if (!revoked) throw notFound(`no live token is named '${name.slice(0, 64)}'`);
  return revoked;
}

export const resolveTokens = (includeRevoked: boolean, ctx: GraphQLContext) => listApiTokens(ctx.service.db, { includeRevoked });
