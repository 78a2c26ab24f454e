/**
 * The demo's eight object classes: a flat silhouette each, drawn in one colour, so a glance at an
 * image tells the class and that the picture is synthetic.
 */

export const CLASS_NAMES = ['cat', 'dog', 'bird', 'car', 'boat', 'horse', 'plane', 'truck'] as const;

export type ClassName = (typeof CLASS_NAMES)[number];

export interface ObjectClass {
  readonly name: ClassName;
  readonly supercategory: 'animal' | 'vehicle';
  /** Its COCO category id: its position in CLASS_NAMES, from 1. */
  readonly categoryId: number;
  readonly colour: readonly [number, number, number];
  /** Width over height of the silhouette's box. */
  readonly aspect: number;
  /**
   * The silhouette as polygons [x1, y1, x2, y2, …] in the unit square of its box (x right, y
   * down), together spanning [0, 1] on both axes; the object is their union.
   */
  readonly parts: readonly (readonly number[])[];
  /** The telling detail (a head, a cab) in the same unit square: where the model and people look. */
  readonly focus: readonly [number, number];
}

/** A polygon approximating an ellipse, for heads, bodies and wheels. */
function ellipse(cx: number, cy: number, rx: number, ry: number, corners = 12): number[] {
  const points: number[] = [];
  for (let i = 0; i < corners; i++) {
    const angle = (2 * Math.PI * i) / corners;
    points.push(cx + rx * Math.cos(angle), cy + ry * Math.sin(angle));
  }
  return points;
}

/** Rescales parts drawn loosely so that together they span exactly the unit square. */
function fitUnitSquare(parts: number[][], focus: [number, number]): { parts: number[][]; focus: [number, number] } {
  const xs = parts.flatMap((p) => p.filter((_, i) => i % 2 === 0));
  const ys = parts.flatMap((p) => p.filter((_, i) => i % 2 === 1));
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const fit = (v: number, i: number) => (i % 2 === 0 ? (v - x0) / (x1 - x0) : (v - y0) / (y1 - y0));
  return { parts: parts.map((p) => p.map(fit)), focus: [fit(focus[0], 0), fit(focus[1], 1)] };
}

type Sketch = Omit<ObjectClass, 'name' | 'categoryId' | 'parts' | 'focus'> & { parts: number[][]; focus: [number, number] };

const SKETCHES: Record<ClassName, Sketch> = {
  cat: {
    supercategory: 'animal',
    colour: [232, 142, 52],
    aspect: 0.85,
    parts: [
      [0.2, 0.0, 0.32, 0.14, 0.48, 0.14, 0.6, 0.0, 0.66, 0.3, 0.58, 0.42, 0.22, 0.42, 0.14, 0.3],
      [0.18, 0.4, 0.62, 0.4, 0.8, 0.7, 0.82, 1.0, 0.1, 1.0, 0.12, 0.7],
      [0.78, 0.9, 0.95, 0.55, 1.0, 0.58, 0.86, 0.98],
    ],
    focus: [0.4, 0.25],
  },
  dog: {
    supercategory: 'animal',
    colour: [146, 94, 54],
    aspect: 1.4,
    parts: [
      [0.2, 0.35, 0.8, 0.35, 0.85, 0.65, 0.2, 0.65],
      [0.76, 0.12, 0.82, 0.0, 0.86, 0.1, 0.95, 0.12, 1.0, 0.3, 0.92, 0.4, 0.8, 0.42, 0.72, 0.3],
      [0.22, 0.6, 0.3, 0.6, 0.3, 1.0, 0.22, 1.0],
      [0.7, 0.6, 0.78, 0.6, 0.78, 1.0, 0.7, 1.0],
      [0.2, 0.4, 0.05, 0.2, 0.0, 0.25, 0.15, 0.48],
    ],
    focus: [0.86, 0.25],
  },
  bird: {
    supercategory: 'animal',
    colour: [58, 118, 222],
    aspect: 1.25,
    parts: [
      ellipse(0.45, 0.58, 0.3, 0.2),
      ellipse(0.76, 0.34, 0.12, 0.12),
      [0.86, 0.28, 1.0, 0.34, 0.86, 0.4],
      [0.2, 0.5, 0.0, 0.38, 0.02, 0.64, 0.22, 0.64],
      [0.3, 0.55, 0.42, 0.0, 0.62, 0.5],
    ],
    focus: [0.76, 0.34],
  },
  car: {
    supercategory: 'vehicle',
    colour: [212, 40, 40],
    aspect: 2.0,
    parts: [
      [0.0, 0.45, 1.0, 0.45, 1.0, 0.85, 0.0, 0.85],
      [0.2, 0.46, 0.32, 0.1, 0.68, 0.1, 0.82, 0.46],
      ellipse(0.22, 0.85, 0.08, 0.15),
      ellipse(0.78, 0.85, 0.08, 0.15),
    ],
    focus: [0.5, 0.35],
  },
  boat: {
    supercategory: 'vehicle',
    colour: [236, 236, 242],
    aspect: 1.3,
    parts: [
      [0.0, 0.7, 1.0, 0.7, 0.85, 1.0, 0.15, 1.0],
      [0.48, 0.0, 0.48, 0.66, 0.1, 0.66],
      [0.54, 0.1, 0.54, 0.66, 0.86, 0.66],
      [0.48, 0.0, 0.54, 0.0, 0.54, 0.72, 0.48, 0.72],
    ],
    focus: [0.45, 0.5],
  },
  horse: {
    supercategory: 'animal',
    colour: [102, 56, 30],
    aspect: 1.2,
    parts: [
      [0.15, 0.3, 0.75, 0.3, 0.78, 0.6, 0.15, 0.6],
      [0.65, 0.35, 0.8, 0.05, 0.95, 0.0, 1.0, 0.15, 0.9, 0.2, 0.8, 0.45],
      [0.17, 0.55, 0.23, 0.55, 0.23, 1.0, 0.17, 1.0],
      [0.3, 0.55, 0.36, 0.55, 0.36, 1.0, 0.3, 1.0],
      [0.6, 0.55, 0.66, 0.55, 0.66, 1.0, 0.6, 1.0],
      [0.7, 0.55, 0.76, 0.55, 0.76, 1.0, 0.7, 1.0],
      [0.15, 0.32, 0.0, 0.7, 0.05, 0.72, 0.18, 0.45],
    ],
    focus: [0.86, 0.14],
  },
  plane: {
    supercategory: 'vehicle',
    colour: [172, 176, 188],
    aspect: 1.6,
    parts: [
      [0.0, 0.45, 0.85, 0.42, 1.0, 0.5, 0.85, 0.58, 0.0, 0.55],
      [0.4, 0.48, 0.58, 0.0, 0.66, 0.0, 0.6, 0.48, 0.66, 1.0, 0.58, 1.0],
      [0.0, 0.46, 0.0, 0.2, 0.06, 0.2, 0.14, 0.46],
    ],
    focus: [0.7, 0.5],
  },
  truck: {
    supercategory: 'vehicle',
    colour: [242, 200, 38],
    aspect: 1.8,
    parts: [
      [0.0, 0.05, 0.65, 0.05, 0.65, 0.8, 0.0, 0.8],
      [0.65, 0.3, 0.88, 0.3, 1.0, 0.5, 1.0, 0.8, 0.65, 0.8],
      ellipse(0.18, 0.85, 0.08, 0.15),
      ellipse(0.82, 0.85, 0.08, 0.15),
    ],
    focus: [0.82, 0.55],
  },
};

export const CLASSES: readonly ObjectClass[] = CLASS_NAMES.map((name, i) => {
  const sketch = SKETCHES[name];
  return { ...sketch, name, categoryId: i + 1, ...fitUnitSquare(sketch.parts, sketch.focus) };
});

export function objectClass(name: ClassName): ObjectClass {
  return CLASSES[CLASS_NAMES.indexOf(name)];
}
