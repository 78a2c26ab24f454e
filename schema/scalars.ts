import { Kind } from 'graphql';
import type { ValueNode } from 'graphql';
import { builder } from './builder.js';

function literalValue(node: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((v) => literalValue(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalValue(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[node.name.value];
    case Kind.ENUM:
      return node.value;
  }
}

export const JsonScalar = builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (node, variables) => literalValue(node, variables),
});

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Metadata is stored as JSON objects; a scalar of its own tells typed clients so. */
export const JsonObjectScalar = builder.scalarType('JSONObject', {
  description: 'A JSON object.',
  serialize: (value) => value,
  parseValue: (value) => {
    if (!isPlainObject(value)) throw new TypeError('expected a JSON object');
    return value;
  },
  parseLiteral: (node, variables) => {
    const value = literalValue(node, variables);
    if (!isPlainObject(value)) throw new TypeError('expected a JSON object');
    return value;
  },
});

export const UploadScalar = builder.scalarType('Upload', {
  description: 'A file sent with the request as GraphQL multipart (the graphql-multipart-request-spec).',
  serialize: () => {
    throw new Error('Upload is an input-only scalar');
  },
  // Yoga's File comes from its fetch implementation, not always Node's global class: duck-typed.
  parseValue: (value) => {
    const file = value as Partial<File> | null;
    if (typeof file?.name !== 'string' || typeof file.arrayBuffer !== 'function') {
      throw new TypeError('expected an uploaded file (send the request as multipart/form-data)');
    }
    return value as File;
  },
});
