import { writeFileSync } from 'node:fs';
import { SCHEMA_FILE, schemaSdl } from './sdl.js';

// `npm run schema:print`: rewrites schema.graphql from the builder (test/schema/schema-file.test.ts checks it is current).
writeFileSync(SCHEMA_FILE, schemaSdl());
console.log(`wrote ${SCHEMA_FILE}`);
