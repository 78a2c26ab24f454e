/**
 * The API token the user gave the explorer, kept in this browser's localStorage and sent as
 * "Authorization: Bearer TOKEN". The explorer reads without one; a token lets it do what its
 * scope allows (and read a server started with --require-token-for-reads).
 */
const KEY = 'masksearch.token';

export function storedToken(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(KEY, token);
    else localStorage.removeItem(KEY);
  } catch {
    // Storage disabled (private mode, policy): the token lasts for this page only.
  }
}

/** The Authorization header for requests, when a token is set. */
export function authorizationHeader(): Record<string, string> {
  const token = storedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}
