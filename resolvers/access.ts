import type { TokenScope } from '../db/schema.js';

/** What one request may do, and who it is (for logs and messages). */
export interface Access {
  readonly scopes: ReadonlySet<TokenScope>;
  /** 'anonymous', 'operator', or the token's name. */
  readonly who: string;
  readonly authenticated: boolean;
}

/** Why a request may not do something that needs `scope`, as a message and a GraphQL error code. */
export function denial(access: Access, scope: TokenScope, what: string): { code: 'UNAUTHENTICATED' | 'FORBIDDEN'; message: string } {
  return access.authenticated
    ? { code: 'FORBIDDEN', message: `${what} needs a token with scope ${scope}; token '${access.who}' does not have it` }
    : { code: 'UNAUTHENTICATED', message: `${what} needs a token with scope ${scope}: send "Authorization: Bearer TOKEN" (an operator creates one with "masksearch tokens create --scope ${scope}")` };
}
