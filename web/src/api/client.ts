import type { TypedDocumentString } from './generated.js';
import { authorizationHeader } from '../access/token.js';
import type { Variables } from './variables.js';

export interface ApiError {
  message: string;
  extensions?: { code?: string };
}

/** The API said no: its errors, as it worded them. */
export class GraphQLRequestError extends Error {
  constructor(readonly errors: ApiError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

/**
 * Runs one operation against /graphql. Errors come back in the body whatever the HTTP status
 * (yoga answers a variable that does not coerce with 400), so the body is read first; only a
 * body that is not GraphQL (a proxy's error page, no network) becomes a plain Error.
 */
export async function graphql<T>(query: TypedDocumentString<T, never>, variables: Variables, signal?: AbortSignal): Promise<T> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authorizationHeader() },
    body: JSON.stringify({ query: query.toString(), variables }),
    signal,
  });
  let body: { data?: T | null; errors?: ApiError[] };
  try {
    body = await response.json();
  } catch {
    throw new Error(`the API answered ${response.status} ${response.statusText} without a GraphQL result`);
  }
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  if (!body.data) throw new Error('the API returned no data');
  return body.data;
}
