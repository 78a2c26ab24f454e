import { z } from 'zod';
import type { MaskSource } from './kit/index.js';

/** One option of a source, as help texts and Query.maskSources show it. */
export interface SourceOptionInfo {
  name: string;
  type: string;
  description: string | null;
  default: unknown;
  required: boolean;
}

type JsonSchema = { type?: string | string[]; description?: string; default?: unknown; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; enum?: unknown[]; items?: JsonSchema; properties?: Record<string, JsonSchema>; required?: string[] };

/** The options' JSON Schema (input side: what a user may pass). */
export function optionsJsonSchema(source: MaskSource<unknown>): JsonSchema {
  return z.toJSONSchema(source.options, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

function typeName(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map(typeName).join(' | ');
  if (schema.type === 'array') return `${schema.items ? typeName(schema.items) : 'any'}[]`;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  return schema.type ?? 'any';
}

export function describeOptions(source: MaskSource<unknown>): SourceOptionInfo[] {
  const schema = optionsJsonSchema(source);
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    type: typeName(property),
    description: property.description ?? null,
    default: property.default ?? null,
    required: required.has(name) && property.default === undefined,
  }));
}
