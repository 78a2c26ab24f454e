import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import type { GraphQLContext } from '../resolvers/context.js';
import { badInput } from '../resolvers/errors.js';

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
}>({
  plugins: [ComplexityPlugin, RelayPlugin, DataloaderPlugin, ValidationPlugin, DirectivesPlugin, FederationPlugin],
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
    limit: { depth: 12, breadth: 300, complexity: 50_000 },
    complexityError: (kind, result) => {
      const measured = { Depth: [result.depth, result.maxDepth], Breadth: [result.breadth, result.maxBreadth], Complexity: [result.complexity, result.maxComplexity] }[kind];
      return badInput(`query ${kind.toLowerCase()} ${measured[0]} exceeds the limit of ${measured[1]}`);
    },
  },
});
