import type { ImageSummary, MaskSummary } from '../api/types.js';
import type { Roi } from '../query/query-state.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The picture's size: the image's, or its mask's when the image has none registered. */
export const pictureSize = (image: ImageSummary, mask: MaskSummary | undefined) => ({
  width: image.width ?? mask?.width ?? 1,
  height: image.height ?? mask?.height ?? 1,
});

/**
 * The ROI to draw on the picture, in image pixels: a named box is stored in image pixels; a
 * constant box is in mask pixels and is scaled by the image/mask size ratio. The full image
 * draws nothing; null too when the image lacks the named box.
 */
export function roiRect(roi: Roi, image: ImageSummary, mask: MaskSummary | undefined): Rect | null {
  if (roi.kind === 'full') return null;
  if (roi.kind === 'imageBox') return image.boxes.find((b) => b.name === roi.name) ?? null;
  const size = pictureSize(image, mask);
  const sx = mask ? size.width / mask.width : 1;
  const sy = mask ? size.height / mask.height : 1;
  return { x: roi.x * sx, y: roi.y * sy, width: roi.width * sx, height: roi.height * sy };
}
