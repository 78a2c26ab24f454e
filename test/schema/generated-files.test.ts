import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, schemaSdl } from '../../schema/sdl.js';
import { GENERATED_FILE, generateApiTypes } from '../../web/codegen.js';

describe('generated files are current', () => {
  it('schema.graphql is the schema the builder prints (npm run schema:print)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8'), 'schema.graphql is stale: run npm run schema:print').toBe(schemaSdl());
  });

  it("the explorer's API types are generated from schema.graphql (npm run codegen:web)", async () => {
    expect(readFileSync(GENERATED_FILE, 'utf8'), 'web/src/api/generated.ts is stale: run npm run codegen:web').toBe(await generateApiTypes());
  });
});
