import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './objects.js';
import './results.js';
import './queries.js';
import './mutations.js';
import './sources.js';
import './nodes.js';
import './entities.js';
import './explore.js';
import './tokens.js';

/** The executable schema: a Federation v2 subgraph (_service, _entities, @key on Image, Mask and Model). */
export const schema: GraphQLSchema = builder.toSubGraphSchema({ sortSchema: true, linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
