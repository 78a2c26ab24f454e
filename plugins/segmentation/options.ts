import { z } from 'zod';

/** Pascal VOC's class names by label index (VOC label PNGs also use 255 for void, object borders). */
const VOC_CLASSES = [
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
] as const;

/** Label value 255 marks void pixels (unlabelled, borders): never a class. */
export const VOID_LABEL = 255;

const className = z.string().min(1);

/** 0–254 written without leading zeros, as JSON object keys. */
const classIndexKey = z.string().regex(/^(?:0|[1-9]\d?|1\d\d|2[0-4]\d|25[0-4])$/);

const classNames = z
  .union([z.literal('voc'), z.array(className).max(VOID_LABEL), z.record(classIndexKey, className)], {
    // A union reports only "Invalid input" by itself.
    error:
      'expected "voc", an array of class names, or an object {"index": name} with indices 0 to 254 (255 is void); ' +
      'names are non-empty strings',
  })
  .superRefine((classes, context) => {
    if (classes === 'voc') return;
    const names = Array.isArray(classes) ? classes : Object.values(classes);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) {
      context.addIssue({
        code: 'custom',
        message: `names "${duplicate}" twice; each class needs its own name (its mask type is segmentation:<name>)`,
      });
    }
  })
  .describe(
    'Label images: class names by label index — an array (index → name), an object {"index": name}, or "voc" for ' +
      'the 21 Pascal VOC classes. Unnamed indices are class<N>.',
  );

export const segmentationOptions = z
  .object({
    className: className
      .optional()
      .describe(
        'Binary masks: the class they show. Sets the mask type to segmentation:<className> and registers the ' +
          "mask's bounding box as the image box <className>. Without it the mask type is the default and no box is registered.",
      ),
    labels: z
      .boolean()
      .default(false)
      .describe(
        'Read grayscale PNGs as label images (pixel value = class index) instead of binary masks. Palette PNGs are always label images.',
      ),
    classes: classNames.optional(),
    includeBackground: z
      .boolean()
      .default(false)
      .describe('Label images: also produce a mask for class index 0 (background), which is skipped by default.'),
  })
  .strict()
  .refine((options) => !(options.labels && options.className !== undefined), {
    message: 'className names the class of a binary mask; with labels: true every PNG is a label image (name its classes with classes)',
    path: ['className'],
  });

export type SegmentationOptions = z.output<typeof segmentationOptions>;

/** The name of a label index: from the classes option, else class<index>. */
export function classNameOf(index: number, classes: SegmentationOptions['classes']): string {
  const names: Readonly<Record<number, string>> | undefined = classes === 'voc' ? VOC_CLASSES : classes;
  return names?.[index] ?? `class${index}`;
}
