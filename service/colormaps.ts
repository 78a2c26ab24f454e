/**
 * Perceptual colormaps as 256-entry RGB tables, from published polynomial fits: turbo (Mikhailov,
 * Google AI blog 2019, the fit in the turbo reference code) and viridis (Zucker's degree-6 fit of
 * matplotlib's table). Errors against the original tables are below 1/255 per channel.
 */
export type Colormap = 'gray' | 'viridis' | 'turbo';

type Poly = readonly number[];

function table(red: Poly, green: Poly, blue: Poly): Uint8Array {
  const out = new Uint8Array(256 * 3);
  const evaluate = (c: Poly, t: number) => c.reduceRight((acc, k) => acc * t + k, 0);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    [red, green, blue].forEach((poly, ch) => {
      out[i * 3 + ch] = Math.round(255 * Math.min(1, Math.max(0, evaluate(poly, t))));
    });
  }
  return out;
}

const viridis = table(
  [0.2777273272234177, 0.1050930431085774, -0.3308618287255563, -4.634230498983486, 6.228269936347081, 4.776384997670288, -5.435455855934631],
  [0.005407344544966578, 1.404613529898575, 0.214847559468213, -5.799100973351585, 14.17993336680509, -13.74514537774601, 4.645852612178535],
  [0.3340998053353061, 1.384590162594685, 0.09509516302823659, -19.33244095627987, 56.69055260068105, -65.35303263337234, 26.3124352495832],
);

const turbo = table(
  [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943],
  [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604],
  [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973],
);

const gray = Uint8Array.from({ length: 256 * 3 }, (_, i) => Math.floor(i / 3));

export const COLORMAPS: Record<Colormap, Uint8Array> = { gray, viridis, turbo };
