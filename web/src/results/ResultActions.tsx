import { useState } from 'react';
import { PREDICTIONS_QUERY } from '../api/documents.js';
import type { PredictionsQueryVariables } from '../api/generated.js';
import type { Predictions } from '../api/types.js';
import { TagForm } from '../tags/TagForm.js';
import { formatCount } from '../format.js';
import type { QueryState } from '../query/query-state.js';
import { useGraphQL } from '../state/use-graphql.js';
import { asCurl, asGraphQL, asPython, toCsv, toJson } from './export.js';
import type { ResultItem } from './result-item.js';

interface Props {
  items: readonly ResultItem[];
  query: QueryState;
  /** The dataset's own label/prediction summary, to set the result set's beside. */
  overall: Predictions | null;
  onTagged(): void;
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

const percent = (p: Predictions) => (p.accuracy === null ? '–' : `${(p.accuracy * 100).toFixed(1)} %`);

/** Accuracy of the result set's images (label vs metadata.prediction) beside the dataset's, and the top confusions: scenario 1's evidence. */
function Accuracy({ keys, overall }: { keys: string[]; overall: Predictions | null }) {
  const variables: PredictionsQueryVariables | null = keys.length > 0 ? { where: { imageKeys: keys } } : null;
  const fetched = useGraphQL(PREDICTIONS_QUERY, variables);
  if (fetched.status !== 'done') return null;
  const here = fetched.data.facets.predictions;
  if (here.images === 0) return <p className="accuracy" data-testid="accuracy">These images have no label and prediction to compare.</p>;
  return (
    <div className="accuracy" data-testid="accuracy">
      <p>
        Accuracy of these {formatCount(here.images)} images: <strong data-testid="accuracy-here">{percent(here)}</strong>
        {overall && overall.images > 0 && (
          <>
            {' '}
            against <span data-testid="accuracy-overall">{percent(overall)}</span> over the dataset's {formatCount(overall.images)}
          </>
        )}
        .
      </p>
      {here.topConfusions.length > 0 && (
        <p>
          Top confusions:{' '}
          {here.topConfusions.slice(0, 5).map((c, i) => (
            <span key={`${c.label}-${c.prediction}`} className="confusion">
              {i > 0 && ', '}
              {c.label} → {c.prediction} ({c.images})
            </span>
          ))}
        </p>
      )}
    </div>
  );
}

/** What to do with a result set: tag its images, export it, copy its query for a script, see how right the model was on it. */
export function ResultActions({ items, query, overall, onTagged }: Props) {
  const [message, setMessage] = useState<string | null>(null);
  const keys = [...new Set(items.map((i) => i.image.key))];
  const origin = window.location.origin;

  const copy = async (what: string, text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setMessage(`Copied the query as ${what}.`);
    } catch {
      setMessage(`The browser refused the clipboard; the ${what} is below.`);
    }
    setCopied({ what, text });
  };
  const [copied, setCopied] = useState<{ what: string; text: string } | null>(null);

  return (
    <section className="result-actions" aria-label="Act on the results">
      <TagForm target={{ imageKeys: keys }} count={keys.length} onTagged={onTagged} />
      <div className="export-buttons">
        <button type="button" onClick={() => download('masksearch-results.csv', 'text/csv', toCsv(items))}>
          Export CSV
        </button>
        <button type="button" onClick={() => download('masksearch-results.json', 'application/json', toJson(items, query))}>
          Export JSON
        </button>
        <button type="button" onClick={() => void copy('GraphQL', asGraphQL(query))}>
          Copy as GraphQL
        </button>
        <button type="button" onClick={() => void copy('curl', asCurl(query, origin))}>
          Copy as curl
        </button>
        <button type="button" onClick={() => void copy('Python', asPython(query, origin))}>
          Copy as Python
        </button>
      </div>
      {message && (
        <p role="status" data-testid="copy-message">
          {message}
        </p>
      )}
      {copied && (
        <details className="copied">
          <summary>The query as {copied.what}</summary>
          <pre data-testid="copied-text">{copied.text}</pre>
        </details>
      )}
      <Accuracy keys={keys} overall={overall} />
    </section>
  );
}
