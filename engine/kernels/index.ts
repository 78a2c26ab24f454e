export { codeInterval, float32AtLeast, float32AtMost } from './interval.js';
export { countRect, countRectF32, countRectU16, countRectU8 } from './js-count.js';
export { intersectUnion, markRect } from './js-mark.js';
export type { Hits } from './js-mark.js';
export { WasmCounter } from './wasm-counter.js';
