import { useEffect, useState } from 'react';
import { graphql } from '../api/client.js';
import type { TypedDocumentString } from '../api/generated.js';
import type { Variables } from '../api/variables.js';

export type Fetched<T> = { status: 'loading' } | { status: 'done'; data: T } | { status: 'error'; message: string };

/** Runs an operation whenever its variables change (compared by value) or refresh moves; null variables run nothing. */
export function useGraphQL<T>(query: TypedDocumentString<T, never>, variables: Variables | null, refresh = 0): Fetched<T> {
  const [state, setState] = useState<Fetched<T>>({ status: 'loading' });
  const key = variables && JSON.stringify(variables);
  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    setState({ status: 'loading' });
    graphql<T>(query, JSON.parse(key), controller.signal).then(
      (data) => setState({ status: 'done', data }),
      (error: unknown) => !controller.signal.aborted && setState({ status: 'error', message: error instanceof Error ? error.message : String(error) }),
    );
    return () => controller.abort();
  }, [query, key, refresh]);
  return state;
}
