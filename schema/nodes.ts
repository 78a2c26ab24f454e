import { brandWithType } from '@pothos/core';
import type { GraphQLContext } from '../resolvers/context.js';
import { MissingRowError } from '../resolvers/loaders.js';
import { nodeNames } from '../resolvers/nodes.js';
import { builder } from './builder.js';
import { ImageRef, MaskRef, ModelRef } from './objects.js';

const NODE_REFS = { Image: ImageRef, Mask: MaskRef, Model: ModelRef } as const;
const NODE_TYPES: ReadonlySet<string> = new Set(Object.keys(NODE_REFS));

/** The nodes, through the types' own loaders (one statement per type); null where an id names nothing of ours. */
async function loadNodes(ids: readonly (string | number)[], argument: string, ctx: GraphQLContext): Promise<(object | null)[]> {
  const names = nodeNames(ids, argument, NODE_TYPES);
  return Promise.all(
    names.map(async (name) => {
      if (!name) return null;
      const ref = NODE_REFS[name.typename as keyof typeof NODE_REFS];
      const [row] = await ref.getDataloader(ctx).loadMany([String(name.id)]);
      if (row instanceof MissingRowError) return null;
      if (row instanceof Error) throw row;
      brandWithType(row, ref);
      return row;
    }),
  );
}

builder.queryFields((t) => ({
  node: t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: 'The node a global id names; null if it names none of ours.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, args, ctx) => (await loadNodes([args.id], 'id', ctx))[0],
  }),
  nodes: t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: 'The nodes global ids name, in order; null for an id that names none of ours.',
    args: { ids: t.arg.idList({ required: true }) },
    resolve: (_, args, ctx) => loadNodes(args.ids, 'ids', ctx),
  }),
}));
