import { defineMaskSource } from '../kit/index.js';
import { baseName } from './file-names.js';
import { maskRecord } from './mask-record.js';
import { gradcamOptions } from './options.js';
import { readFileMasks } from './read-masks.js';

export default defineMaskSource({
  name: 'gradcam',
  description:
    'Grad-CAM and other class-activation saliency maps as pytorch-grad-cam users save them: .npy arrays ' +
    '(one H×W map keyed by the file name, or an N×H×W batch keyed by the keys option or a <name>.keys.txt / ' +
    '<name>.keys.json sidecar) and grayscale 8- or 16-bit PNG heatmaps. Values must lie in [0, 1] unless ' +
    "normalize is on; resize resamples each map to its image's registered size.",
  defaultMaskType: 'saliency',
  inputs: [
    {
      extensions: ['.npy'],
      description:
        'a numpy.save array of float32, float64, uint8 or uint16 (uint8 read as k/255, uint16 as k/65535) shaped ' +
        '(H, W), (H, W, 1), or a batch (N, H, W) such as pytorch-grad-cam returns; float64 is stored as float32',
    },
    {
      extensions: ['.png'],
      description: 'a grayscale 8- or 16-bit PNG of the map itself (k/255 or k/65535), not a colour overlay of it on the image',
    },
  ],
  options: gradcamOptions,
  async *read(file, options, context) {
    const { sourceDtype, masks } = await readFileMasks(file, options.keys, context.maxPixels);
    const facts = { name: baseName(file.name), sourceDtype };
    // One at a time, so a large batch is never held resized or converted all at once.
    for (const mask of masks) yield await maskRecord(mask, facts, options, context);
  },
});
