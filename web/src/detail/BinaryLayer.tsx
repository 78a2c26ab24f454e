import { useEffect, useRef, useState } from 'react';

export type Combination = 'intersection' | 'union';

interface Props {
  /** Grayscale renderings (level = round(value × 255)) of the two masks. */
  a: { url: string; width: number; height: number };
  b: { url: string };
  threshold: number;
  combination: Combination;
}

const COLOUR: Record<Combination, [number, number, number]> = { intersection: [255, 214, 0], union: [0, 190, 255] };

function load(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error(`${url} did not load`));
    image.src = url;
  });
}

function levels(image: HTMLImageElement, width: number, height: number): Uint8ClampedArray {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d')!;
  // Nearest neighbour: a mask of another size is resampled without inventing values between pixels.
  context.imageSmoothingEnabled = false;
  context.drawImage(image, 0, 0, width, height);
  return context.getImageData(0, 0, width, height).data;
}

/**
 * Two masks binarised at value > threshold and combined, drawn as a colour layer at mask A's
 * size. Drawn from the 8-bit renderings, which hold 8-bit masks exactly; the counts shown beside
 * it come from the API and are exact for any mask.
 */
export function BinaryLayer({ a, b, threshold, combination }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let cancelled = false;
    setFailed(false);
    Promise.all([load(a.url), load(b.url)]).then(
      ([imageA, imageB]) => {
        if (cancelled || !canvas.current) return;
        const first = levels(imageA, a.width, a.height);
        const second = levels(imageB, a.width, a.height);
        const cut = threshold * 255;
        const context = canvas.current.getContext('2d')!;
        const out = context.createImageData(a.width, a.height);
        const [r, g, bl] = COLOUR[combination];
        for (let i = 0; i < first.length; i += 4) {
          const inA = first[i] > cut;
          const inB = second[i] > cut;
          if (combination === 'intersection' ? inA && inB : inA || inB) out.data.set([r, g, bl, 230], i);
        }
        context.putImageData(out, 0, 0);
      },
      () => !cancelled && setFailed(true),
    );
    return () => {
      cancelled = true;
    };
  }, [a.url, a.width, a.height, b.url, threshold, combination]);
  return (
    <>
      <canvas ref={canvas} className="overlay-mask" width={a.width} height={a.height} role="img" aria-label={`${combination} of the two masks above ${threshold}`} />
      {failed && <span className="overlay-failed">masks did not load</span>}
    </>
  );
}
