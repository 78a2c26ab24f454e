import { decodeGlobalID } from '@pothos/plugin-relay';
import { badInput } from './errors.js';

/** A node a global id names: its type and database id. */
export interface NodeName {
  typename: string;
  id: number;
}

/**
 * The nodes global ids name, for node(id:) and nodes(ids:): null for an id that is well formed but
 * names no node type of ours (another subgraph's, say) or no database id; BAD_USER_INPUT for an
 * id that is not a global id at all.
 */
export function nodeNames(ids: readonly (string | number)[], argument: string, typenames: ReadonlySet<string>): (NodeName | null)[] {
  return ids.map((globalId) => {
    let decoded: { typename: string; id: string };
    try {
      decoded = decodeGlobalID(String(globalId));
    } catch {
      throw badInput(`${argument}: '${globalId}' is not a global id (base64 of "Type:id")`);
    }
    const id = Number(decoded.id);
    return typenames.has(decoded.typename) && /^\d+$/.test(decoded.id) && Number.isSafeInteger(id) ? { typename: decoded.typename, id } : null;
  });
}
