import { useId } from 'react';
import type { Colormap } from '../api/types.js';
import type { DisplaySettings } from './ResultCard.js';

interface Props {
  display: DisplaySettings;
  /** Aggregations: the member mask types one can choose to overlay. */
  overlayTypes: string[];
  onChange(display: DisplaySettings): void;
}

/** How masks are drawn over the images; changes nothing in the query. */
export function DisplayControls({ display, overlayTypes, onChange }: Props) {
  const id = useId();
  return (
    <div className="display" role="group" aria-label="Display">
      <label htmlFor={`${id}-opacity`}>Mask opacity</label>
      <input
        id={`${id}-opacity`}
        type="range"
        min={0}
        max={1}
        step={0.05}
        value={display.opacity}
        onChange={(e) => onChange({ ...display, opacity: Number(e.target.value) })}
      />
      <label htmlFor={`${id}-colormap`}>Colormap</label>
      <select id={`${id}-colormap`} value={display.colormap} onChange={(e) => onChange({ ...display, colormap: e.target.value as Colormap })}>
        <option value="turbo">turbo</option>
        <option value="viridis">viridis</option>
        <option value="gray">gray</option>
      </select>
      {overlayTypes.length > 1 && (
        <>
          <label htmlFor={`${id}-overlay`}>Overlay</label>
          <select id={`${id}-overlay`} value={display.overlayType ?? overlayTypes[0]} onChange={(e) => onChange({ ...display, overlayType: e.target.value })}>
            {overlayTypes.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </>
      )}
    </div>
  );
}
