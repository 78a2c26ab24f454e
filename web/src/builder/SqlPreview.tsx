import type { QueryState } from '../query/query-state.js';
import { sqlForm } from '../query/sql-form.js';

/** The query being edited, in the paper's SQL-like form; it follows every edit. */
export function SqlPreview({ query }: { query: QueryState }) {
  return (
    <section className="sql" aria-labelledby="sql-heading">
      <h2 id="sql-heading">As SQL</h2>
      <pre data-testid="sql">{sqlForm(query)}</pre>
    </section>
  );
}
