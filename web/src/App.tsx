import { useEffect, useMemo, useRef, useState } from 'react';
import { FACETS_QUERY } from './api/documents.js';
import type { MaskWhere } from './api/generated.js';
import type { Facets } from './api/types.js';
import { BrowseGrid } from './browse/BrowseGrid.js';
import { FacetSidebar } from './dataset/FacetSidebar.js';
import { Landing } from './dataset/Landing.js';
import { SeedingBanner } from './dataset/SeedingBanner.js';
import { missingData } from './dataset/requirements.js';
import { useDataset } from './dataset/use-dataset.js';
import { ResultActions } from './results/ResultActions.js';
import { useGraphQL } from './state/use-graphql.js';
import type { Where } from './query/query-state.js';
import type { FieldError } from './api/field-errors.js';
import type { DrawingReference } from './builder/BoxDrawer.js';
import { TokenField } from './access/TokenField.js';
import { PresetBar } from './builder/PresetBar.js';
import { QueryBuilder, builderFields } from './builder/QueryBuilder.js';
import { SqlPreview } from './builder/SqlPreview.js';
import { DetailDialog } from './detail/DetailDialog.js';
import { PRESETS } from './query/presets.js';
import type { QueryState } from './query/query-state.js';
import { DEFAULT_QUERY, groupMaskTypes } from './query/query-state.js';
import { queryToParams, questionKey } from './query/url-state.js';
import { DisplayControls } from './results/DisplayControls.js';
import type { DisplaySettings } from './results/ResultCard.js';
import { QueryFilterBar } from './results/QueryFilterBar.js';
import { QueryGrid } from './results/QueryGrid.js';
import { querySummary } from './results/query-summary.js';
import type { ResultItem, ResultPage } from './results/result-item.js';
import { useQueryResults } from './results/use-query-results.js';
import { StatsPanel } from './stats/StatsPanel.js';
import { useStatsComparison } from './state/use-stats-comparison.js';
import { useSuggestions } from './state/use-suggestions.js';
import { useUrlQuery } from './state/use-url-query.js';

/** A box is drawn on the first result's image, in its mask's pixels; before any result, on a 224×224 square. */
function drawingReference(first: ResultItem | undefined): DrawingReference {
  const mask = first?.masks[0];
  if (!first || !mask) return { imageKey: null, maskUrl: null, maskWidth: 224, maskHeight: 224 };
  return { imageKey: first.image.key, maskUrl: mask.turbo, maskWidth: mask.width, maskHeight: mask.height };
}

/** Errors about arguments the builder has no field for (or about the query as a whole) go above the results. */
function generalErrors(errors: readonly FieldError[], query: QueryState): FieldError[] {
  const fields = builderFields(query);
  return errors.filter((e) => e.field === null || !fields.some((f) => e.field === f || e.field!.startsWith(`${f}.`) || e.field!.startsWith(`${f}[`)));
}

/** What the grid holds of a query's results. */
function resultCount(page: ResultPage, query: QueryState): string {
  const unit = query.kind === 'aggregate' ? 'images' : 'masks';
  return page.totalCount === null ? `${page.items.length} ranked ${unit}` : `showing ${page.items.length} of ${page.totalCount} ${unit}`;
}

/** Only the lists given: an empty list would match nothing. */
const whereVariables = (where: Where): MaskWhere => Object.fromEntries(Object.entries(where).filter(([, values]) => values.length > 0));

export function App() {
  const url = useUrlQuery();
  const [draft, setDraft] = useState<QueryState>(() => url.active ?? DEFAULT_QUERY);
  // The builder shows the query the URL runs: after a preset, the back button, or opening a shared link.
  useEffect(() => {
    if (url.active) setDraft(url.active);
  }, [url.active]);
  const data = useDataset(url.active);
  const seeding = data.dataset?.seeding.state === 'seeding';
  // While a demo seeds, a query naming what has not landed yet (the object box, a model) waits for it instead of failing.
  const waitingFor = url.active && data.dataset && seeding ? missingData(url.active, data.dataset.facets) : [];
  const runnable = url.active && data.dataset && waitingFor.length === 0 ? url.active : null;
  const { state, loadMore } = useQueryResults(runnable, seeding ? data.version : 0);
  const suggestions = useSuggestions(data.dataset?.facets ?? null);
  // The sidebar narrows the query's where when a query runs, the browsing grid's otherwise.
  const where = url.active?.where ?? url.browseWhere;
  const whereKey = useMemo(() => whereVariables(where), [JSON.stringify(where)]);
  const scoped = useGraphQL(FACETS_QUERY, { where: whereKey }, data.version);
  // The last counts stay up while new ones load: no flicker each time seeding lands more.
  const shownFacets = useRef<Facets | null>(null);
  if (scoped.status === 'done') shownFacets.current = scoped.data.facets;
  const setWhere = (next: Where) => (url.active ? url.run({ ...url.active, where: next }) : url.browse(next));
  const comparison = useStatsComparison(url.active, state);
  const [display, setDisplay] = useState<DisplaySettings>({ opacity: 0.6, colormap: 'turbo', overlayType: null });

  const shown = state.status === 'done' ? state : state.status === 'loading' ? state.previous : null;
  const page = shown?.page;
  const errors = state.status === 'error' ? state.errors : [];
  const general = generalErrors(errors, draft);
  const preset = url.active && PRESETS.find((p) => questionKey(p.query) === questionKey(url.active!));
  const resultKeys = page?.items.map((i) => i.image.key) ?? [];
  const detailIndex = url.detailKey ? resultKeys.indexOf(url.detailKey) : -1;

  return (
    <>
      {data.dataset && <SeedingBanner seeding={data.dataset.seeding} />}
      <header className="top">
        <h1>MaskSearch explorer</h1>
        <nav aria-label="Elsewhere">
          <TokenField />
          <a href="/graphql">GraphQL API</a>
        </nav>
      </header>
      <main className="layout">
        <div className="side">
          <FacetSidebar facets={shownFacets.current} where={where} onChange={setWhere} />
          {url.active && <PresetBar presets={PRESETS} onPick={(p) => url.run(p.query)} />}
          <QueryBuilder
            query={draft}
            suggestions={suggestions}
            reference={drawingReference(page?.items[0])}
            errors={errors}
            running={state.status === 'loading'}
            onChange={setDraft}
            onRun={() => url.run(draft)}
          />
          <SqlPreview query={draft} />
        </div>
        {url.active ? (
          <section
            className="results"
            aria-label="The query"
            aria-busy={state.status === 'loading'}
            data-status={state.status}
            data-query={state.status === 'done' ? queryToParams(state.query).toString() : undefined}
          >
            {preset && (
              <p className="preset-note">
                <strong>{preset.title}.</strong> {preset.description}
              </p>
            )}
            {waitingFor.length > 0 && (
              <p className="waiting" role="status" data-testid="query-waiting">
                Waiting for the demo data: the store has no {waitingFor.join(', ')} yet. The query runs as soon as they land.
              </p>
            )}
            <div role="status" className="status">
              {state.status === 'loading' && 'Running the query…'}
            </div>
            {general.length > 0 && (
              <div role="alert" className="error-banner">
                {general.map((e) => (
                  <p key={e.message}>{e.message}</p>
                ))}
              </div>
            )}
            {errors.length > general.length && <p className="rejected">The query did not run: the API's message is next to the field it is about.</p>}
            <DisplayControls
              display={display}
              overlayTypes={shown?.query.kind === 'aggregate' ? groupMaskTypes(shown.query) : []}
              onChange={setDisplay}
            />
            <QueryGrid
              page={shown?.page ?? null}
              query={shown?.query ?? url.active}
              display={display}
              filterBar={
                <QueryFilterBar
                  label={preset ? preset.title : querySummary(url.active)}
                  count={shown ? resultCount(shown.page, shown.query) : null}
                  seeding={seeding ? data.dataset!.seeding : null}
                  onClear={() => url.browse(url.active!.where)}
                />
              }
              loadingMore={state.status === 'done' && state.loadingMore}
              moreError={state.status === 'done' ? state.moreError : null}
              onLoadMore={loadMore}
              onOpen={url.openDetail}
            />
            <StatsPanel
              stats={page?.stats ?? null}
              comparison={comparison}
              useIndex={url.active.useIndex}
              canRerun
              onToggleIndex={(useIndex) => url.active && url.run({ ...url.active, useIndex })}
            />
            {shown && shown.page.items.length > 0 && (
              <ResultActions items={shown.page.items} query={shown.query} overall={data.dataset?.facets.predictions ?? null} onTagged={data.refresh} />
            )}
          </section>
        ) : (
          <section className="results" aria-label="The dataset">
            <Landing dataset={data.dataset} presets={PRESETS} onPick={(p) => url.run(p.query)} />
            <BrowseGrid where={whereKey} version={data.version} onOpen={url.openDetail} onTagged={data.refresh} />
          </section>
        )}
      </main>
      {url.detailKey && (
        <DetailDialog
          key={url.detailKey}
          imageKey={url.detailKey}
          threshold={url.active?.kind === 'aggregate' ? url.active.aggregate.threshold : 0.5}
          display={display}
          query={url.active}
          position={detailIndex >= 0 ? { index: detailIndex, count: resultKeys.length } : null}
          onStep={(delta) => {
            const next = resultKeys[detailIndex + delta];
            if (next !== undefined) url.switchDetail(next);
          }}
          onClose={url.closeDetail}
        />
      )}
    </>
  );
}
