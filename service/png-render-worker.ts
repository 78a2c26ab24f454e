import { renderTask, type RenderTask } from './png-render-task.js';

/** Piscina's entry point in a worker thread. */
export default function renderInWorker(task: RenderTask): Uint8Array {
  return renderTask(task);
}
