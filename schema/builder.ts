import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLError } from 'graphql';
import type { TokenScope } from '../db/schema.js';
import { denial } from '../resolvers/access.js';
import type { GraphQLContext } from '../resolvers/context.js';
import { badInput } from '../resolvers/errors.js';
import { MAX_QUERY_COST } from './cost.js';

/** The one builder: every plugin's types are global augmentations, so a second builder would clash. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    /** A file of a GraphQL multipart request (yoga parses it into a WHATWG File). */
    Upload: { Input: File; Output: never };
    ID: { Input: string; Output: string | number | bigint };
  };
  DefaultFieldNullability: false;
  AuthScopes: Record<TokenScope, boolean>;
}>({
  // Relay first, so authScopes see decoded ids; scope-auth before the plugins that wrap resolvers.
  plugins: [ComplexityPlugin, RelayPlugin, ScopeAuthPlugin, DataloaderPlugin, ValidationPlugin, DirectivesPlugin, FederationPlugin],
  scopeAuth: {
    authScopes: (ctx) => ({ read: ctx.access.scopes.has('read'), write: ctx.access.scopes.has('write'), admin: ctx.access.scopes.has('admin') }),
    unauthorizedError: (_parent, ctx, info, result) => {
      const { code, message } = denial(ctx.access, missingScope(result.failure), `${info.parentType.name}.${info.fieldName}`);
      return new GraphQLError(message, { extensions: { code } });
    },
  },
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // schema/nodes.ts defines node and nodes: null for ids of no node of ours, BAD_USER_INPUT for malformed ones.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    // Relay's PageInfo means the same in every subgraph of a supergraph.
    pageInfoTypeOptions: { shareable: true },
  },
  validation: {
    validationError: (result) => {
      const issue = result.issues[0];
      const path = (issue.path ?? []).map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.');
      return badInput(path ? `${path}: ${issue.message}` : issue.message);
    },
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: { depth: 12, breadth: 300, complexity: MAX_QUERY_COST },
    complexityError: (kind, result) => {
      const measured = { Depth: [result.depth, result.maxDepth], Breadth: [result.breadth, result.maxBreadth], Complexity: [result.complexity, result.maxComplexity] }[kind];
      return badInput(`query ${kind.toLowerCase()} ${measured[0]} exceeds the limit of ${measured[1]}`);
    },
  },
});

/** The scope a failed check wanted (the highest, when several failed). */
function missingScope(failure: AuthFailure): TokenScope {
  if (failure.kind === AuthScopeFailureType.AuthScope) return failure.scope as TokenScope;
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    const wanted = failure.failures.map(missingScope);
    return wanted.includes('admin') ? 'admin' : wanted.includes('write') ? 'write' : 'read';
  }
  return 'read';
}
