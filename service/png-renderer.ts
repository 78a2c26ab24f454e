import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { outputPixels, renderTask, type RenderTask } from './png-render-task.js';

/**
 * Renders the PNG routes' pictures. A small one (a 224² mask takes about a millisecond) is drawn
 * on the main thread; a larger one in a worker thread, so that a 4096² overlay does not hold up
 * every other request while it is colour-mapped and deflated.
 */
export interface PngRenderer {
  render(task: RenderTask): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Up to this many output pixels (256²) a picture is drawn inline. */
export const INLINE_RENDER_PIXELS = 256 * 256;

const workerFile = new URL('./png-render-worker.ts', import.meta.url).href;
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export function createPngRenderer(inlinePixels = INLINE_RENDER_PIXELS): PngRenderer {
  // Started on the first large picture: a server that never draws one holds no thread for it.
  let pool: Piscina<RenderTask, Uint8Array> | undefined;
  return {
    async render(task) {
      if (outputPixels(task) <= inlinePixels) return renderTask(task);
      pool ??= new Piscina({ filename: workerFile, minThreads: 0, maxThreads: 1, idleTimeout: 30_000, execArgv: ['--import', tsxLoader] });
      return pool.run(task);
    },
    async close() {
      await pool?.destroy();
      pool = undefined;
    },
  };
}
