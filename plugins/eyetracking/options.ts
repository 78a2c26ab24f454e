import { z } from 'zod';

/**
 * The default σ is one degree of visual angle, taking the image's longer side to span 30°.
 * Eye-tracking studies show an image across roughly 30° of the viewer's field (the MIT/Judd set:
 * 1024 px over about 29°, some 35 px per degree), and fixation maps are conventionally blurred
 * by a Gaussian of about 1° (the fovea, plus the tracker's error). So 256 px → σ ≈ 8.5 px,
 * 1024 px → 34 px, 2400 px → 80 px. Give `sigma` for a known viewing geometry.
 */
export const LONGER_SIDE_DEGREES = 30;

export const eyetrackingOptions = z
  .strictObject({
    sigma: z.number().positive().optional().describe('Gaussian σ in pixels (not with sigmaFraction)'),
    sigmaFraction: z
      .number()
      .positive()
      .max(1)
      .optional()
      .describe(`Gaussian σ as a fraction of the image's longer side (not with sigma); default 1/${LONGER_SIDE_DEGREES}, about one degree of visual angle`),
    durationWeighted: z.boolean().default(false).describe('weight each fixation by its duration instead of 1'),
    precision: z
      .enum(['u16', 'u8', 'f32'])
      .default('u16')
      .describe('stored values: u16 = k/65535 (default), u8 = k/255, f32 = 32-bit floats'),
  })
  .refine((o) => o.sigma === undefined || o.sigmaFraction === undefined, {
    message: 'give sigma (pixels) or sigmaFraction (of the longer side), not both',
    path: ['sigmaFraction'],
  });

export type EyetrackingOptions = z.infer<typeof eyetrackingOptions>;

/** σ in pixels for an image of this size. */
export function sigmaPx(options: EyetrackingOptions, width: number, height: number): number {
  const longer = Math.max(width, height);
  return options.sigma ?? (options.sigmaFraction !== undefined ? options.sigmaFraction * longer : longer / LONGER_SIDE_DEGREES);
}
