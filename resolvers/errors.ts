import { GraphQLError } from 'graphql';

/**
 * The argument a message names at its start ("k must be...", "options.keyRegex: ...",
 * "images[3].width must be..."), which is how every message of badInput starts when it is about
 * one argument.
 */
function argumentNamed(message: string): string | undefined {
  const match = /^([A-Za-z_]\w*(?:\[\d+\]|\.[A-Za-z_]\w*)*)(?::| must | is | has )/.exec(message);
  return match && match[1] !== 'query' ? match[1] : undefined;
}

/** ['members', 0, 'threshold'] → "members[0].threshold", the spelling of argumentPath. */
const pathText = (path: readonly (string | number)[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/**
 * An error in the client's arguments: shown to the client with code BAD_USER_INPUT and, when it
 * is about one argument, its path in extensions.argumentPath (e.g. "roi.box.width"), so clients
 * need not parse the message. The path is given, or read off the message's start.
 */
export const badInput = (message: string, path?: string | readonly (string | number)[]): GraphQLError => {
  const argumentPath = path === undefined ? argumentNamed(message) : typeof path === 'string' ? path : pathText(path);
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(argumentPath ? { argumentPath } : {}) } });
};

/** A request for something that does not exist: shown with code NOT_FOUND. */
export const notFound = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'NOT_FOUND' } });
