import { useId } from 'react';
import type { FormEvent, ReactNode } from 'react';
import type { FieldError } from '../api/field-errors.js';
import type { AggregateMeasure, AggregateOp, CompareOp, Order, QueryKind, QueryState } from '../query/query-state.js';
import { memberText } from '../query/sql-form.js';
import type { Suggestions } from '../state/use-suggestions.js';
import type { DrawingReference } from './BoxDrawer.js';
import { FieldErrors, describedBy } from './FieldErrors.js';
import { ListField } from './ListField.js';
import { NumberField } from './NumberField.js';
import { RangeSlider } from './RangeSlider.js';
import { RoiPicker } from './RoiPicker.js';

interface Props {
  query: QueryState;
  suggestions: Suggestions;
  reference: DrawingReference;
  errors: readonly FieldError[];
  running: boolean;
  onChange(query: QueryState): void;
  onRun(): void;
}

const KINDS: [QueryKind, string, string][] = [
  ['filter', 'Filter', 'every mask whose value passes a comparison'],
  ['topk', 'Top-k', 'the k masks with the largest or smallest value'],
  ['aggregate', 'Aggregate', "each image's masks combined, then ranked or filtered"],
];

const COMPARE_OPS: [CompareOp, string][] = [
  ['GT', '>'],
  ['GTE', '≥'],
  ['LT', '<'],
  ['LTE', '≤'],
];

/** The arguments the builder shows a field for, given the query kind; the API's messages about others go above the results. */
export function builderFields(query: QueryState): string[] {
  const common = ['where.modelNames', 'where.maskTypes', 'where.imageLabels', 'where.imageSplits', 'where.imageTags', 'roi'];
  if (query.kind === 'filter') return [...common, 'range', 'normalize', 'op', 'threshold'];
  if (query.kind === 'topk') return [...common, 'range', 'normalize', 'k', 'order'];
  return [...common, 'op', 'measure', 'threshold', ...(query.aggregate.members.length > 0 ? ['members'] : []), ...(query.aggregate.ranked ? ['k', 'order'] : ['having'])];
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="section">
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}

/** The query builder: edits a query and runs it (Enter in any field runs it too). */
export function QueryBuilder({ query, suggestions, reference, errors, running, onChange, onRun }: Props) {
  const id = useId();
  const set = (patch: Partial<QueryState>) => onChange({ ...query, ...patch });
  const setWhere = (field: keyof QueryState['where']) => (values: string[]) => set({ where: { ...query.where, [field]: values } });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onRun();
  };
  const ranked = query.kind === 'topk' || (query.kind === 'aggregate' && query.aggregate.ranked);
  // In an aggregation with `having`, the comparison is the having argument; in a filter, op and threshold.
  const compareField = query.kind === 'aggregate' ? 'having' : 'threshold';

  return (
    <form className="builder" onSubmit={submit} aria-label="Query builder">
      <div className="kinds" role="radiogroup" aria-label="Query kind">
        {KINDS.map(([kind, label, description]) => (
          <label key={kind} className="kind" title={description}>
            <input type="radio" name={`${id}-kind`} value={kind} checked={query.kind === kind} onChange={() => set({ kind })} />
            <span>{label}</span>
          </label>
        ))}
      </div>

      <Section title="Masks">
        <ListField label="Mask types" field="where.maskTypes" values={query.where.maskTypes} suggestions={suggestions.maskTypes} errors={errors} onChange={setWhere('maskTypes')} />
        <ListField
          label="Models"
          field="where.modelNames"
          values={query.where.modelNames}
          suggestions={suggestions.models}
          hint="Masks without a model (human attention, segmentation) are left out when a model is named."
          errors={errors}
          onChange={setWhere('modelNames')}
        />
        <ListField label="Image labels" field="where.imageLabels" values={query.where.imageLabels} suggestions={suggestions.labels} errors={errors} onChange={setWhere('imageLabels')} />
        <ListField label="Image splits" field="where.imageSplits" values={query.where.imageSplits} suggestions={suggestions.splits} errors={errors} onChange={setWhere('imageSplits')} />
        <ListField label="Image tags" field="where.imageTags" values={query.where.imageTags} suggestions={suggestions.tags} errors={errors} onChange={setWhere('imageTags')} />
      </Section>

      <RoiPicker roi={query.roi} boxNames={suggestions.boxNames} reference={reference} errors={errors} onChange={(roi) => set({ roi })} />

      {query.kind === 'aggregate' ? (
        <Section title="Aggregation">
          {query.aggregate.members.length > 0 && (
            <div className="field members" data-testid="members">
              <p>Each image's group: one mask of each member (images lacking one are left out), within the masks above.</p>
              <ol>
                {query.aggregate.members.map((member, i) => (
                  <li key={i}>{memberText(member, query.aggregate.threshold)}</li>
                ))}
              </ol>
              <button type="button" onClick={() => set({ aggregate: { ...query.aggregate, members: [] } })}>
                Combine every mask of the image instead
              </button>
              <FieldErrors errors={errors} field="members" />
            </div>
          )}
          <div className="field">
            <label htmlFor={`${id}-threshold`}>Binarise each mask at value &gt;</label>
            <NumberField id={`${id}-threshold`} className="number" value={query.aggregate.threshold} {...describedBy(errors, 'threshold')} onChange={(threshold) => set({ aggregate: { ...query.aggregate, threshold } })} />
            <FieldErrors errors={errors} field="threshold" />
          </div>
          <div className="field">
            <label htmlFor={`${id}-measure`}>Measure</label>
            <select id={`${id}-measure`} value={query.aggregate.measure} onChange={(e) => set({ aggregate: { ...query.aggregate, measure: e.target.value as AggregateMeasure } })}>
              <option value="IOU">IoU: intersection / union</option>
              <option value="COUNT">pixels of the combination (COUNT)</option>
              <option value="ROI_FRACTION">fraction of the ROI</option>
            </select>
            <FieldErrors errors={errors} field="measure" />
          </div>
          <div className="field">
            <label htmlFor={`${id}-op`}>Combine the masks by</label>
            <select
              id={`${id}-op`}
              value={query.aggregate.op}
              disabled={query.aggregate.measure === 'IOU'}
              onChange={(e) => set({ aggregate: { ...query.aggregate, op: e.target.value as AggregateOp } })}
            >
              <option value="INTERSECT">INTERSECT: set in every mask</option>
              <option value="UNION">UNION: set in any mask</option>
            </select>
            {query.aggregate.measure === 'IOU' && <p className="hint">IoU uses both the intersection and the union.</p>}
            <FieldErrors errors={errors} field="op" />
          </div>
          <div className="choices" role="radiogroup" aria-label="Which groups">
            <label>
              <input type="radio" name={`${id}-ranked`} checked={query.aggregate.ranked} onChange={() => set({ aggregate: { ...query.aggregate, ranked: true } })} /> Rank: the k best
            </label>
            <label>
              <input type="radio" name={`${id}-ranked`} checked={!query.aggregate.ranked} onChange={() => set({ aggregate: { ...query.aggregate, ranked: false } })} /> Filter: every group whose value passes
            </label>
          </div>
        </Section>
      ) : (
        <Section title="Count">
          <RangeSlider range={query.range} errors={errors} onChange={(range) => set({ range })} />
          <div className="choices" role="radiogroup" aria-label="Value">
            <label>
              <input type="radio" name={`${id}-normalize`} checked={query.normalize === 'ROI_FRACTION'} onChange={() => set({ normalize: 'ROI_FRACTION' })} /> Fraction of the ROI
            </label>
            <label>
              <input type="radio" name={`${id}-normalize`} checked={query.normalize === 'COUNT'} onChange={() => set({ normalize: 'COUNT' })} /> Pixel count
            </label>
          </div>
          <FieldErrors errors={errors} field="normalize" />
        </Section>
      )}

      <Section title={ranked ? 'Rank' : 'Keep'}>
        {ranked ? (
          <div className="inline-fields">
            <div className="field">
              <label htmlFor={`${id}-k`}>k</label>
              <NumberField id={`${id}-k`} className="number" value={query.rank.k} {...describedBy(errors, 'k')} onChange={(k) => set({ rank: { ...query.rank, k } })} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-order`}>Order</label>
              <select id={`${id}-order`} value={query.rank.order} onChange={(e) => set({ rank: { ...query.rank, order: e.target.value as Order } })}>
                <option value="DESC">largest first (DESC)</option>
                <option value="ASC">smallest first (ASC)</option>
              </select>
            </div>
            <FieldErrors errors={errors} field="k" />
            <FieldErrors errors={errors} field="order" />
          </div>
        ) : (
          <div className="inline-fields">
            <div className="field">
              <label htmlFor={`${id}-compare`}>Value</label>
              <select id={`${id}-compare`} value={query.compare.op} onChange={(e) => set({ compare: { ...query.compare, op: e.target.value as CompareOp } })}>
                {COMPARE_OPS.map(([op, sign]) => (
                  <option key={op} value={op}>
                    {sign} ({op})
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-value`}>Threshold</label>
              <NumberField id={`${id}-value`} className="number" value={query.compare.value} {...describedBy(errors, compareField)} onChange={(value) => set({ compare: { ...query.compare, value } })} />
            </div>
            <FieldErrors errors={errors} field={compareField} />
            {query.kind === 'filter' && <FieldErrors errors={errors} field="op" />}
          </div>
        )}
      </Section>

      <button type="submit" className="primary" aria-busy={running}>
        {running ? 'Running…' : 'Run query'}
      </button>
    </form>
  );
}
