import { useId } from 'react';
import type { FieldError } from '../api/field-errors.js';
import type { Roi } from '../query/query-state.js';
import type { DrawingReference } from './BoxDrawer.js';
import { BoxDrawer } from './BoxDrawer.js';
import { FieldErrors, describedBy } from './FieldErrors.js';
import { NumberField } from './NumberField.js';

interface Props {
  roi: Roi;
  boxNames: string[];
  reference: DrawingReference;
  errors: readonly FieldError[];
  onChange(roi: Roi): void;
}

const KINDS = [
  ['full', 'Full image'],
  ['imageBox', 'Named box of each image'],
  ['box', 'Box drawn on an image'],
] as const;

/** Where CP counts: the whole mask, each image's own named box (e.g. its object), or one box for all masks. */
export function RoiPicker({ roi, boxNames, reference, errors, onChange }: Props) {
  const id = useId();
  const select = (kind: Roi['kind']) => {
    if (kind === 'full') onChange({ kind });
    else if (kind === 'imageBox') onChange({ kind, name: boxNames.includes('object') ? 'object' : (boxNames[0] ?? 'object') });
    else {
      // Start from the middle half of the reference mask, something visible to adjust.
      const { maskWidth: w, maskHeight: h } = reference;
      onChange({ kind, x: Math.round(w / 4), y: Math.round(h / 4), width: Math.round(w / 2), height: Math.round(h / 2) });
    }
  };
  return (
    <fieldset className="roi" {...describedBy(errors, 'roi')}>
      <legend>Region of interest (ROI)</legend>
      <div className="choices" role="radiogroup" aria-label="ROI kind">
        {KINDS.map(([kind, label]) => (
          <label key={kind}>
            <input type="radio" name={`${id}-roi`} value={kind} checked={roi.kind === kind} onChange={() => select(kind)} /> {label}
          </label>
        ))}
      </div>
      {roi.kind === 'imageBox' && (
        <div className="field">
          <label htmlFor={`${id}-box-name`}>Box name</label>
          <input id={`${id}-box-name`} list={`${id}-box-names`} value={roi.name} onChange={(e) => onChange({ kind: 'imageBox', name: e.target.value })} />
          <datalist id={`${id}-box-names`}>
            {boxNames.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
          <p className="hint">Stored in image pixels and scaled to each mask; masks of images without it are skipped.</p>
        </div>
      )}
      {roi.kind === 'box' && (
        <div className="box-roi">
          <BoxDrawer reference={reference} box={roi} onChange={(box) => onChange({ kind: 'box', ...box })} />
          <div className="box-fields">
            {(['x', 'y', 'width', 'height'] as const).map((side) => (
              <label key={side}>
                {side}
                <NumberField className="number" value={roi[side]} onChange={(v) => onChange({ ...roi, [side]: v })} />
              </label>
            ))}
          </div>
          <p className="hint">
            In mask pixels{reference.imageKey ? `, drawn on ${reference.imageKey} (${reference.maskWidth}×${reference.maskHeight})` : ''}; the same box applies to every mask, clipped to it.
          </p>
        </div>
      )}
      <FieldErrors errors={errors} field="roi" />
    </fieldset>
  );
}
