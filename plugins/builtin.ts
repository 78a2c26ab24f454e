/** The built-in sources, as module specifiers: they load exactly as a third party's plugin would. */
export const BUILTIN_SOURCE_MODULES: readonly string[] = ['./gradcam/index.js', './eyetracking/index.js', './segmentation/index.js'].map(
  (path) => new URL(path, import.meta.url).href,
);
