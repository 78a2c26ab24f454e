import type { FacetValue } from '../api/types.js';
import { formatCount } from '../format.js';
import type { Preset } from '../query/presets.js';
import type { Dataset } from './use-dataset.js';
import { missingData } from './requirements.js';

interface Props {
  dataset: Dataset | null;
  presets: readonly Preset[];
  onPick(preset: Preset): void;
}

function Counts({ title, values, testId }: { title: string; values: FacetValue[]; testId: string }) {
  return (
    <div className="counts" data-testid={testId}>
      <h3>{title}</h3>
      <ul>
        {values.slice(0, 8).map((f) => (
          <li key={String(f.value)}>
            <span>{f.value ?? '(none)'}</span> <span className="facet-count">{formatCount(f.count)}</span>
          </li>
        ))}
        {values.length > 8 && <li className="facet-more">and {values.length - 8} more</li>}
      </ul>
    </div>
  );
}

/** The start page: what the store holds, and the scenarios as cards, each one click from its results. */
export function Landing({ dataset, presets, onPick }: Props) {
  const facets = dataset?.facets;
  const seeding = dataset?.seeding.state === 'seeding';
  return (
    <section className="landing" aria-labelledby="landing-heading">
      <h2 id="landing-heading">The dataset</h2>
      {facets ? (
        <>
          <p className="dataset-total" data-testid="dataset-total">
            {formatCount(dataset.imageCount)} images, {formatCount(facets.masks)} masks
            {facets.predictions.accuracy !== null &&
              ` · label vs prediction accuracy ${(facets.predictions.accuracy * 100).toFixed(1)} % over ${formatCount(facets.predictions.images)} labelled images`}
          </p>
          <div className="counts-row">
            <Counts title="Models" values={facets.models} testId="counts-models" />
            <Counts title="Mask types" values={facets.maskTypes} testId="counts-mask-types" />
            <Counts title="Labels" values={facets.labels} testId="counts-labels" />
            <Counts title="Tags" values={facets.tags} testId="counts-tags" />
          </div>
        </>
      ) : (
        <p className="empty">Reading the store…</p>
      )}
      <h2>Scenarios</h2>
      <ul className="scenario-cards">
        {presets.map((preset) => {
          const missing = facets ? missingData(preset.query, facets) : ['the dataset'];
          const waiting = missing.length > 0;
          return (
            <li key={preset.id} className="scenario-card" data-dataset={preset.dataset}>
              <button type="button" data-preset={preset.id} aria-describedby={`card-${preset.id}`} onClick={() => onPick(preset)}>
                <span className="card-dataset">{preset.dataset === 'real' ? 'real photos' : 'synthetic'}</span>
                <strong>{preset.title}</strong>
              </button>
              <p id={`card-${preset.id}`}>{preset.description}</p>
              {waiting && (
                <p className="waiting" data-testid="card-waiting">
                  {seeding ? 'Waiting for ' : 'The store has no '}
                  {missing.join(', ')}
                  {seeding ? ' (being seeded)' : ''}
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
