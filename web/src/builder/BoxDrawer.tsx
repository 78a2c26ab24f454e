import { useRef, useState } from 'react';
import type { PointerEvent } from 'react';
import { imagePngUrl } from '../results/image-url.js';

/** The image a box is drawn on, and the size of the masks the box is meant for (a box ROI is in mask pixels). */
export interface DrawingReference {
  imageKey: string | null;
  maskUrl: string | null;
  maskWidth: number;
  maskHeight: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Props {
  reference: DrawingReference;
  box: Box;
  onChange(box: Box): void;
}

/**
 * Drag on the picture to draw the box, in the reference mask's pixels. The numeric fields beside
 * it do the same from the keyboard.
 */
export function BoxDrawer({ reference, box, onChange }: Props) {
  const surface = useRef<HTMLDivElement>(null);
  const [start, setStart] = useState<{ x: number; y: number } | null>(null);
  const { maskWidth: w, maskHeight: h } = reference;

  const pixelAt = (event: PointerEvent) => {
    const rect = surface.current!.getBoundingClientRect();
    const clamp = (v: number, max: number) => Math.min(max, Math.max(0, Math.round(v)));
    return { x: clamp(((event.clientX - rect.left) / rect.width) * w, w), y: clamp(((event.clientY - rect.top) / rect.height) * h, h) };
  };
  const boxBetween = (a: { x: number; y: number }, b: { x: number; y: number }): Box => ({
    x: Math.min(a.x, b.x),
    y: Math.min(a.y, b.y),
    width: Math.abs(a.x - b.x),
    height: Math.abs(a.y - b.y),
  });

  return (
    <div
      ref={surface}
      className="box-drawer overlay"
      style={{ aspectRatio: `${w} / ${h}` }}
      onPointerDown={(event) => {
        event.currentTarget.setPointerCapture(event.pointerId);
        setStart(pixelAt(event));
      }}
      onPointerMove={(event) => start && onChange(boxBetween(start, pixelAt(event)))}
      onPointerUp={() => setStart(null)}
    >
      {reference.imageKey && <img className="overlay-image" src={imagePngUrl(reference.imageKey)} alt="" draggable={false} onError={(e) => (e.currentTarget.hidden = true)} />}
      {reference.maskUrl && <img className="overlay-mask" src={reference.maskUrl} alt="" draggable={false} style={{ opacity: 0.4 }} />}
      <svg className="overlay-roi" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" aria-hidden="true">
        <rect x={box.x} y={box.y} width={Math.max(0, box.width)} height={Math.max(0, box.height)} />
      </svg>
    </div>
  );
}
