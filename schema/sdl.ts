import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.js';

/** Where the committed schema lives: clients (the explorer's generated types among them) build on it. */
export const SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));

/** The schema as clients see it through introspection, printed in a stable order. */
export const schemaSdl = (): string => `${printSchema(lexicographicSortSchema(schema))}\n`;
