import { GraphQLError, parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Bounds on a document, checked before graphql-js parses it. Its parser is recursive: a literal
 * nested two thousand lists deep overflows the stack (a 500) before any other limit looks at
 * it. Real documents, a hundred aliased queries included, stay far below both.
 */
export const MAX_DOCUMENT_TOKENS = 5_000;
export const MAX_DOCUMENT_NESTING = 64;

/** The deepest nesting of (), [] and {} in a document, strings and comments left out. */
export function nestingDepth(source: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (c === '"') {
      const end = source.startsWith('"""', i) ? '"""' : '"';
      for (i += end.length; i < source.length && !source.startsWith(end, i); i++) if (source[i] === '\\') i++;
      i += end.length - 1;
    } else if (c === '(' || c === '[' || c === '{') {
      deepest = Math.max(deepest, ++depth);
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
    }
  }
  return deepest;
}

/** Refuses documents nested too deeply or too long, as BAD_USER_INPUT, before they are parsed. */
export const boundedParsing: Plugin = {
  onParse({ setParseFn }) {
    setParseFn((source, options) => {
      const text = typeof source === 'string' ? source : source.body;
      if (nestingDepth(text) > MAX_DOCUMENT_NESTING) {
        throw new GraphQLError(`the document nests brackets deeper than ${MAX_DOCUMENT_NESTING} levels`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
      return parse(source, { ...options, maxTokens: MAX_DOCUMENT_TOKENS });
    });
  },
};
