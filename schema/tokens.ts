import type { ApiTokenInfo } from '../db/repositories/tokens.js';
import { TOKEN_SCOPES } from '../db/schema.js';
import { resolveCreateToken, resolveRevokeToken, resolveTokens } from '../resolvers/tokens.js';
import { builder } from './builder.js';

const TokenScopeEnum = builder.enumType('TokenScope', {
  description: 'read: queries and the PNG routes; write: also upserts and ingest; admin: also deletes and tokens.',
  values: TOKEN_SCOPES.map((s) => s.toUpperCase()) as ['READ', 'WRITE', 'ADMIN'],
});

const ApiTokenRef = builder.objectRef<ApiTokenInfo>('ApiToken').implement({
  description: 'An API token (its secret is shown once, when it is created, and never stored).',
  fields: (t) => ({
    name: t.exposeString('name'),
    scope: t.field({ type: TokenScopeEnum, resolve: (token) => token.scope.toUpperCase() as 'READ' | 'WRITE' | 'ADMIN' }),
    createdAt: t.string({ resolve: (token) => token.createdAt.toISOString() }),
    revokedAt: t.string({ nullable: true, resolve: (token) => token.revokedAt?.toISOString() ?? null }),
  }),
});

const CreatedTokenRef = builder.objectRef<{ token: string; info: ApiTokenInfo }>('CreatedApiToken').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'The secret, for "Authorization: Bearer TOKEN". Shown only now.' }),
    apiToken: t.field({ type: ApiTokenRef, resolve: (created) => created.info }),
  }),
});

builder.queryField('apiTokens', (t) =>
  t.field({
    type: [ApiTokenRef],
    description: 'The API tokens, oldest first. Needs an admin token.',
    authScopes: { admin: true },
    args: { includeRevoked: t.arg.boolean({ defaultValue: false }) },
    resolve: (_, args, ctx) => resolveTokens(args.includeRevoked ?? false, ctx),
  }),
);

builder.mutationFields((t) => ({
  createApiToken: t.field({
    type: CreatedTokenRef,
    description: 'Creates an API token. Needs an admin token.',
    authScopes: { admin: true },
    args: { scope: t.arg({ type: TokenScopeEnum, required: true }), name: t.arg.string() },
    resolve: (_, args, ctx) => resolveCreateToken(args.scope.toLowerCase() as 'read' | 'write' | 'admin', args.name, ctx),
  }),
  revokeApiToken: t.field({
    type: ApiTokenRef,
    description: 'Revokes the live token of this name: every server sharing the store refuses it from the next request. Needs an admin token.',
    authScopes: { admin: true },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => resolveRevokeToken(args.name, ctx),
  }),
}));
