export * from './source.js';
export * from './png.js';
