export * from './source.js';
export * from './png.js';
export * from './npy.js';
export * from './resample.js';
