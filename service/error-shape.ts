import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Messages longer than this are cut: graphql-js quotes the offending value whole ("Int cannot represent non-integer value: ..."). */
export const MAX_ERROR_MESSAGE = 300;

const shorten = (message: string) => (message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE - 40)}... (${message.length} characters)` : message);

/**
 * Every error a client gets has an extensions.code and a message of bounded length. Errors
 * graphql-js raises before execution (syntax, validation, variable coercion) carry no code:
 * they are the client's, BAD_USER_INPUT, like argument errors the resolvers raise.
 */
function shaped(error: unknown): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const hasCode = typeof error.extensions?.code === 'string';
  if (hasCode && error.message.length <= MAX_ERROR_MESSAGE) return error;
  return new GraphQLError(shorten(error.message), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: hasCode ? error.extensions.code : 'BAD_USER_INPUT' },
  });
}

type Result = { errors?: readonly unknown[] };

const reshape = (result: Result): Result => (result.errors?.length ? { ...result, errors: result.errors.map(shaped) } : result);

export const errorShape: Plugin = {
  onResultProcess({ result, setResult }) {
    if (Array.isArray(result)) setResult(result.map(reshape) as never);
    else if (result && typeof result === 'object' && !(Symbol.asyncIterator in result)) setResult(reshape(result as Result) as never);
  },
};
