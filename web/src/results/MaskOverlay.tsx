import { useState } from 'react';
import type { ReactNode } from 'react';
import type { ImageSummary } from '../api/types.js';
import { imagePngUrl } from './image-url.js';
import type { Rect } from './roi-rect.js';

interface Props {
  image: ImageSummary;
  /** The picture's size in image pixels; the layers stretch over it. */
  size: { width: number; height: number };
  /** The mask rendered through a colormap; the browser scales it to the image (bilinear). */
  maskSrc?: string;
  maskAlt?: string;
  opacity: number;
  roi: Rect | null;
  /** Further layers, e.g. a canvas. */
  children?: ReactNode;
}

/**
 * An image with a mask laid over it at the chosen opacity, and the ROI outlined. An image the
 * service has no pixels for (GET /images/KEY.png fails) leaves a neutral gray ground.
 */
export function MaskOverlay({ image, size, maskSrc, maskAlt, opacity, roi, children }: Props) {
  const [maskState, setMaskState] = useState<'loading' | 'loaded' | 'failed'>('loading');
  return (
    <div className="overlay" style={{ aspectRatio: `${size.width} / ${size.height}` }} data-mask-state={maskSrc ? maskState : undefined}>
      <img className="overlay-image" src={imagePngUrl(image.key)} alt="" loading="lazy" onError={(e) => (e.currentTarget.hidden = true)} />
      {maskSrc && (
        <img
          className="overlay-mask"
          src={maskSrc}
          alt={maskAlt ?? ''}
          loading="lazy"
          style={{ opacity }}
          onLoad={() => setMaskState('loaded')}
          onError={() => setMaskState('failed')}
        />
      )}
      {children}
      {roi && (
        <svg className="overlay-roi" viewBox={`0 0 ${size.width} ${size.height}`} preserveAspectRatio="none" aria-hidden="true">
          <rect x={roi.x} y={roi.y} width={roi.width} height={roi.height} />
        </svg>
      )}
      {maskState === 'failed' && <span className="overlay-failed">mask did not load</span>}
    </div>
  );
}
