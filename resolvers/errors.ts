import { GraphQLError } from 'graphql';

/** An error in the client's arguments: shown to the client with code BAD_USER_INPUT and, where known, the argument's path. */
export const badInput = (message: string, argumentPath?: readonly (string | number)[]): GraphQLError =>
  new GraphQLError(message, { extensions: argumentPath ? { code: 'BAD_USER_INPUT', argumentPath } : { code: 'BAD_USER_INPUT' } });

/** A request for something that does not exist: shown with code NOT_FOUND. */
export const notFound = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'NOT_FOUND' } });
