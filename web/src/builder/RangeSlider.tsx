import { useId } from 'react';
import type { CSSProperties } from 'react';
import type { FieldError } from '../api/field-errors.js';
import type { RangeEnd, ValueRange } from '../query/query-state.js';
import { FieldErrors, describedBy } from './FieldErrors.js';
import { NumberField } from './NumberField.js';

interface Props {
  range: ValueRange;
  errors: readonly FieldError[];
  onChange(range: ValueRange): void;
}

type EndKind = 'open' | 'closed' | 'none';

const kindOf = (end: RangeEnd | null): EndKind => (end ? (end.inclusive ? 'closed' : 'open') : 'none');
const STEP = 0.01;

/**
 * The value range as two handles on [0, 1], each end exclusive, inclusive or absent (unbounded),
 * with the exact numbers typed beside them. The handles do not cross; typed numbers may, and the
 * API then says the range is empty.
 */
export function RangeSlider({ range, errors, onChange }: Props) {
  const id = useId();
  const { lower, upper } = range;
  const setEnd = (which: 'lower' | 'upper', kind: EndKind, value: number) =>
    onChange({ ...range, [which]: kind === 'none' ? null : { value, inclusive: kind === 'closed' } });
  const lowerValue = lower?.value ?? 0;
  const upperValue = upper?.value ?? 1;
  const finite = (v: number, fallback: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : fallback);
  const from = finite(lowerValue, 0);
  const to = finite(upperValue, 1);

  return (
    <fieldset className="range" {...describedBy(errors, 'range')}>
      <legend>Pixel values counted</legend>
      <div className="range-ends">
        <label htmlFor={`${id}-lower`}>Lower end</label>
        <select id={`${id}-lower`} value={kindOf(lower)} onChange={(e) => setEnd('lower', e.target.value as EndKind, lowerValue)}>
          <option value="open">&gt; (open)</option>
          <option value="closed">≥ [closed]</option>
          <option value="none">none</option>
        </select>
        <NumberField aria-label="Lower end value" className="number" value={lowerValue} disabled={!lower} onChange={(v) => setEnd('lower', kindOf(lower), v)} />
        <label htmlFor={`${id}-upper`}>Upper end</label>
        <select id={`${id}-upper`} value={kindOf(upper)} onChange={(e) => setEnd('upper', e.target.value as EndKind, upperValue)}>
          <option value="open">&lt; (open)</option>
          <option value="closed">≤ [closed]</option>
          <option value="none">none</option>
        </select>
        <NumberField aria-label="Upper end value" className="number" value={upperValue} disabled={!upper} onChange={(v) => setEnd('upper', kindOf(upper), v)} />
      </div>
      <div className="two-handles" style={{ '--from': from, '--to': to } as CSSProperties}>
        <div className="two-handles-track" aria-hidden="true" />
        <input
          type="range"
          min={0}
          max={1}
          step={STEP}
          value={from}
          disabled={!lower}
          aria-label="Lower end slider"
          onChange={(e) => setEnd('lower', kindOf(lower), Math.min(Number(e.target.value), to))}
        />
        <input
          type="range"
          min={0}
          max={1}
          step={STEP}
          value={to}
          disabled={!upper}
          aria-label="Upper end slider"
          onChange={(e) => setEnd('upper', kindOf(upper), Math.max(Number(e.target.value), from))}
        />
      </div>
      <FieldErrors errors={errors} field="range" />
    </fieldset>
  );
}
