import { AGGREGATE_QUERY, FILTER_QUERY, TOP_K_QUERY } from '../api/documents.js';
import { queryVariables, type Variables } from '../api/variables.js';
import type { QueryState } from '../query/query-state.js';
import { isPaged } from '../query/query-state.js';
import type { ResultItem } from './result-item.js';

/** The operation and variables the explorer sent for this query (the first page of a paged one). */
export function operationOf(query: QueryState): { query: string; variables: Variables } {
  const document = query.kind === 'filter' ? FILTER_QUERY : query.kind === 'topk' ? TOP_K_QUERY : AGGREGATE_QUERY;
  // The document's text as sent, without the blank line and indent codegen puts before it.
  return { query: document.toString().trim(), variables: { ...queryVariables(query), ...(isPaged(query) && { first: 100 }) } };
}

export interface ExportRow {
  rank: number | null;
  imageKey: string;
  maskIds: string;
  maskTypes: string;
  model: string | null;
  value: number;
  label: string | null;
  prediction: string | null;
  split: string | null;
}

export function exportRows(items: readonly ResultItem[]): ExportRow[] {
  return items.map((item) => ({
    rank: item.rank,
    imageKey: item.image.key,
    maskIds: item.masks.map((m) => m.id).join(' '),
    maskTypes: item.masks.map((m) => m.maskType).join(' '),
    model: item.masks.find((m) => m.model)?.model?.name ?? null,
    value: item.value,
    label: item.image.label,
    prediction: typeof item.image.metadata.prediction === 'string' ? item.image.metadata.prediction : null,
    split: item.image.split,
  }));
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(items: readonly ResultItem[]): string {
  const rows = exportRows(items);
  const header: (keyof ExportRow)[] = ['rank', 'imageKey', 'maskIds', 'maskTypes', 'model', 'value', 'label', 'prediction', 'split'];
  return [header.join(','), ...rows.map((row) => header.map((h) => csvField(row[h])).join(','))].join('\r\n') + '\r\n';
}

export function toJson(items: readonly ResultItem[], query: QueryState): string {
  return JSON.stringify({ query: operationOf(query), results: exportRows(items) }, null, 2);
}

/** The operation as a GraphQL document with its variables, for GraphiQL or any client. */
export function asGraphQL(query: QueryState): string {
  const { query: document, variables } = operationOf(query);
  return `${document}\n\n# variables\n${JSON.stringify(variables, null, 2)}\n`;
}

const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

export function asCurl(query: QueryState, origin: string): string {
  return `curl -s ${shellQuote(`${origin}/graphql`)} -H 'content-type: application/json' --data ${shellQuote(JSON.stringify(operationOf(query)))}\n`;
}

export function asPython(query: QueryState, origin: string): string {
  const { query: document, variables } = operationOf(query);
  return [
    'import json, urllib.request',
    '',
    `QUERY = """${document.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"')}"""`,
    `VARIABLES = json.loads(${JSON.stringify(JSON.stringify(variables))})`,
    '',
    'request = urllib.request.Request(',
    `    ${JSON.stringify(`${origin}/graphql`)},`,
    '    data=json.dumps({"query": QUERY, "variables": VARIABLES}).encode(),',
    '    headers={"content-type": "application/json"},',
    ')',
    'result = json.load(urllib.request.urlopen(request))["data"]["result"]',
    'print(json.dumps(result["stats"], indent=2))',
    '',
  ].join('\n');
}
