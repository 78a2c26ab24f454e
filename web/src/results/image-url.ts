/** The image's own PNG, served when its uri names a file the service can read (else 404, and the card shows gray). */
export const imagePngUrl = (key: string): string => `/images/${encodeURIComponent(key)}.png`;

/** The mask blended over the image by the service, for sharing or downloading. */
export const overlayPngUrl = (key: string, maskId: string, colormap: string, opacity: number): string =>
  `/images/${encodeURIComponent(key)}/overlay.png?${new URLSearchParams({ mask: maskId, colormap, opacity: String(opacity) })}`;
