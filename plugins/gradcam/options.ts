import { z } from 'zod';

export const gradcamOptions = z.strictObject({
  normalize: z
    .boolean()
    .default(false)
    .describe(
      'Min–max normalise each mask to [0, 1] (its smallest value becomes 0, its largest 1; a constant mask becomes all zeros). ' +
        'Without it every value must already lie in [0, 1]. NaN and infinite values are refused either way.',
    ),
  resize: z
    .boolean()
    .default(false)
    .describe(
      "Resample each mask bilinearly to its image's registered size (half-pixel centres, as cv2.resize INTER_LINEAR and " +
        'torch interpolate(align_corners=False)); the image must be registered with its size. A mask that already has that size is kept as it is.',
    ),
  keys: z
    .array(z.string().min(1))
    .optional()
    .describe(
      'Image keys of the masks of an N×H×W batch, in batch order. Without it a batch takes its keys from the sidecar ' +
        '<name>.keys.txt (one per line) or <name>.keys.json (a JSON array of strings). ' +
        "A single mask takes its file's key (its name without extension).",
    ),
});

export type GradcamOptions = z.output<typeof gradcamOptions>;
