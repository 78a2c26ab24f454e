import { useEffect, useRef, useState } from 'react';
import type { Colormap, ImageSummary, MaskSummary } from '../api/types.js';
import { COLORMAPS } from '../../../service/colormaps.js';
import type { QueryState, ValueRange } from '../query/query-state.js';
import { groupMaskTypes } from '../query/query-state.js';
import { imagePngUrl } from '../results/image-url.js';
import { roiRect, type Rect } from '../results/roi-rect.js';

interface Props {
  image: ImageSummary;
  masks: (MaskSummary & { encoding: string })[];
  /** The query the detail was opened from: its range and ROI are what CP counted. */
  query: QueryState | null;
  colormap: Colormap;
  opacity: number;
}

type View = 'heatmap' | 'in-range';

function load(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error(`${url} did not load`));
    image.src = url;
  });
}

/** The mask's grayscale rendering (level = round(value × 255)) as one level per mask pixel. */
async function maskLevels(mask: MaskSummary): Promise<Uint8ClampedArray> {
  const picture = await load(mask.gray);
  const canvas = document.createElement('canvas');
  canvas.width = mask.width;
  canvas.height = mask.height;
  const context = canvas.getContext('2d')!;
  context.imageSmoothingEnabled = false;
  context.drawImage(picture, 0, 0);
  const rgba = context.getImageData(0, 0, mask.width, mask.height).data;
  const out = new Uint8ClampedArray(mask.width * mask.height);
  for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4];
  return out;
}

export function inRange(value: number, range: ValueRange): boolean {
  const { lower, upper } = range;
  if (lower && (lower.inclusive ? value < lower.value : value <= lower.value)) return false;
  if (upper && (upper.inclusive ? value > upper.value : value >= upper.value)) return false;
  return true;
}

/** The query's ROI in mask pixels, clipped: a named box scaled with edges rounded outward, as the engine does. */
function roiInMask(query: QueryState | null, image: ImageSummary, mask: MaskSummary): Rect {
  const full = { x: 0, y: 0, width: mask.width, height: mask.height };
  if (!query || query.roi.kind === 'full') return full;
  let x0: number, y0: number, x1: number, y1: number;
  if (query.roi.kind === 'box') {
    ({ x: x0, y: y0 } = query.roi);
    x1 = x0 + query.roi.width;
    y1 = y0 + query.roi.height;
  } else {
    const box = roiRect(query.roi, image, mask);
    if (!box) return { x: 0, y: 0, width: 0, height: 0 };
    const sx = mask.width / (image.width ?? mask.width);
    const sy = mask.height / (image.height ?? mask.height);
    x0 = Math.floor(box.x * sx);
    y0 = Math.floor(box.y * sy);
    x1 = Math.ceil((box.x + box.width) * sx);
    y1 = Math.ceil((box.y + box.height) * sy);
  }
  const cx0 = Math.max(0, x0);
  const cy0 = Math.max(0, y0);
  return { x: cx0, y: cy0, width: Math.max(0, Math.min(mask.width, x1) - cx0), height: Math.max(0, Math.min(mask.height, y1) - cy0) };
}

function rangeText({ lower, upper }: ValueRange): string {
  return `${lower ? `${lower.inclusive ? '[' : '('}${lower.value}` : '(−∞'}, ${upper ? `${upper.value}${upper.inclusive ? ']' : ')'}` : '∞)'}`;
}

/** The colour scale of the colormap from 0 to 1, with the query's range marked on it. */
function Legend({ colormap, range }: { colormap: Colormap; range: ValueRange | null }) {
  const table = COLORMAPS[colormap];
  const stops = Array.from({ length: 11 }, (_, i) => {
    const at = Math.round((i / 10) * 255) * 3;
    return `rgb(${table[at]}, ${table[at + 1]}, ${table[at + 2]}) ${i * 10}%`;
  });
  const lower = range?.lower?.value ?? 0;
  const upper = range?.upper?.value ?? 1;
  return (
    <div className="value-legend" data-testid="legend">
      <div className="value-legend-bar" style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }}>
        {range && <span className="value-legend-range" style={{ left: `${Math.max(0, lower) * 100}%`, width: `${(Math.min(1, upper) - Math.max(0, lower)) * 100}%` }} />}
      </div>
      <div className="value-legend-ticks" aria-hidden="true">
        <span>0</span>
        <span>0.25</span>
        <span>0.5</span>
        <span>0.75</span>
        <span>1</span>
      </div>
      <p className="value-legend-caption">
        mask value ({colormap}){range && <> · the query counts values in {rangeText(range)} (outlined)</>}
      </p>
    </div>
  );
}

/**
 * One mask of the image, large: as a heatmap, or "in range" — exactly the pixels of the ROI whose
 * value lies in the query's range, the pixels CP counts, lit up over the dimmed image. Wheel or
 * the buttons zoom, dragging pans, the cursor reads the value under it. Values come from the 8-bit
 * rendering, which is the stored value for 8-bit masks; for 16-bit and float masks it is rounded
 * to 1/255, which the caption says.
 */
export function MaskInspector({ image, masks, query, colormap, opacity }: Props) {
  const preferred = (query?.kind === 'aggregate' ? groupMaskTypes(query) : (query?.where.maskTypes ?? [])).find((type) => masks.some((m) => m.maskType === type));
  const [maskId, setMaskId] = useState(() => masks.find((m) => m.maskType === preferred)?.id ?? masks[0].id);
  const mask = masks.find((m) => m.id === maskId) ?? masks[0];
  const range = query && query.kind !== 'aggregate' ? query.range : null;
  const [view, setView] = useState<View>(range ? 'in-range' : 'heatmap');
  const [levels, setLevels] = useState<Uint8ClampedArray | null>(null);
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const [cursor, setCursor] = useState<{ x: number; y: number; value: number } | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ x: number; y: number } | null>(null);
  const roi = roiInMask(query, image, mask);

  useEffect(() => {
    let cancelled = false;
    setLevels(null);
    maskLevels(mask).then((l) => !cancelled && setLevels(l), () => {});
    return () => {
      cancelled = true;
    };
  }, [mask]);

  // The in-range layer: counted pixels opaque, the rest clear, over a dimmed image.
  const [counted, setCounted] = useState<number | null>(null);
  useEffect(() => {
    const element = canvas.current;
    if (!element || !levels || view !== 'in-range' || !range) return;
    const context = element.getContext('2d')!;
    const out = context.createImageData(mask.width, mask.height);
    let n = 0;
    for (let y = roi.y; y < roi.y + roi.height; y++) {
      for (let x = roi.x; x < roi.x + roi.width; x++) {
        const i = y * mask.width + x;
        if (inRange(levels[i] / 255, range)) {
          out.data.set([255, 40, 200, 255], i * 4);
          n++;
        }
      }
    }
    context.putImageData(out, 0, 0);
    setCounted(n);
  }, [levels, view, range, mask.width, mask.height, roi.x, roi.y, roi.width, roi.height]);

  const toMask = (event: React.MouseEvent<HTMLDivElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const x = Math.floor(((event.clientX - rect.left) / rect.width) * mask.width);
    const y = Math.floor(((event.clientY - rect.top) / rect.height) * mask.height);
    return x >= 0 && y >= 0 && x < mask.width && y < mask.height ? { x, y } : null;
  };

  const imageBox = roiRect(query?.roi ?? { kind: 'full' }, image, mask);
  const size = { width: image.width ?? mask.width, height: image.height ?? mask.height };
  return (
    <section className="inspector" aria-label="Inspect a mask">
      <div className="inspector-controls">
        <label>
          Mask{' '}
          <select value={mask.id} onChange={(e) => setMaskId(e.target.value)}>
            {masks.map((m) => (
              <option key={m.id} value={m.id}>
                {m.maskType}
                {m.model ? ` (${m.model.name})` : ''}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="segmented">
          <legend className="visually-hidden">View</legend>
          <label>
            <input type="radio" name="inspector-view" checked={view === 'heatmap'} onChange={() => setView('heatmap')} /> Heatmap
          </label>
          <label title={range ? undefined : 'the query has no value range (aggregations binarise instead: see the agreement below)'}>
            <input type="radio" name="inspector-view" checked={view === 'in-range'} disabled={!range} onChange={() => setView('in-range')} /> In range (what CP counts)
          </label>
        </fieldset>
        <button type="button" onClick={() => setZoom((z) => Math.min(16, z * 2))} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => setZoom((z) => Math.max(1, z / 2))} aria-label="Zoom out">
          −
        </button>
        <button
          type="button"
          onClick={() => {
            setZoom(1);
            setPan({ x: 0, y: 0 });
          }}
        >
          Reset
        </button>
        <span data-testid="zoom">{zoom}×</span>
      </div>
      <div
        className="inspector-viewport"
        onWheel={(e) => setZoom((z) => Math.min(16, Math.max(1, e.deltaY < 0 ? z * 1.25 : z / 1.25)))}
        onMouseDown={(e) => (drag.current = { x: e.clientX - pan.x, y: e.clientY - pan.y })}
        onMouseUp={() => (drag.current = null)}
        onMouseLeave={() => {
          drag.current = null;
          setCursor(null);
        }}
      >
        <div
          className="inspector-stage"
          data-testid="inspector-stage"
          style={{ aspectRatio: `${size.width} / ${size.height}`, transform: `translate(${pan.x}px, ${pan.y}px) scale(${zoom})` }}
          onMouseMove={(e) => {
            if (drag.current) setPan({ x: e.clientX - drag.current.x, y: e.clientY - drag.current.y });
            const at = toMask(e);
            setCursor(at && levels ? { ...at, value: levels[at.y * mask.width + at.x] / 255 } : null);
          }}
        >
          <img className="overlay-image" src={imagePngUrl(image.key)} alt="" style={view === 'in-range' ? { filter: 'brightness(0.45) grayscale(0.6)' } : undefined} draggable={false} />
          {view === 'heatmap' && <img className="overlay-mask" src={mask[colormap]} alt={`${mask.maskType} of ${image.key}`} style={{ opacity }} draggable={false} />}
          {view === 'in-range' && (
            <canvas ref={canvas} className="overlay-mask in-range" width={mask.width} height={mask.height} role="img" aria-label="pixels CP counts" data-testid="in-range-layer" />
          )}
          {imageBox && (
            <svg className="overlay-roi" viewBox={`0 0 ${size.width} ${size.height}`} preserveAspectRatio="none" aria-hidden="true">
              <rect x={imageBox.x} y={imageBox.y} width={imageBox.width} height={imageBox.height} />
            </svg>
          )}
        </div>
      </div>
      <p className="inspector-readout" data-testid="cursor-value">
        {cursor
          ? `pixel (${cursor.x}, ${cursor.y}): value ${cursor.value.toFixed(3)}${range ? (inRange(cursor.value, range) ? ' — in range' : ' — out of range') : ''}`
          : 'Point at the mask to read its value.'}
      </p>
      {view === 'in-range' && range && counted !== null && (
        <p className="inspector-count" data-testid="in-range-count">
          {counted.toLocaleString('en-US')} of {(roi.width * roi.height).toLocaleString('en-US')} ROI pixels lie in {rangeText(range)}
          {mask.encoding === 'u8' ? ' (exact: an 8-bit mask)' : ` (from the 8-bit rendering of this ${mask.encoding} mask: values rounded to 1/255; the query's value is exact)`}.
        </p>
      )}
      <Legend colormap={colormap} range={range} />
    </section>
  );
}
