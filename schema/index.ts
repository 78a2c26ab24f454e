import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './objects.js';
import './results.js';
import './queries.js';
import './mutations.js';
import './sources.js';
import './tokens.js';

export const schema: GraphQLSchema = builder.toSchema({ sortSchema: true });
