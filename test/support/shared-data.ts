import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The real eye-tracking recordings of the workplace's shared data, beside the checkout
 * (`../shared`) or at its usual place; null where neither holds them, and the tests that need
 * them skip.
 */
export const SCENE_FIXATIONS: string | null =
  [fileURLToPath(new URL('../../../shared/data/eye-tracking/scene-fixations.json', import.meta.url)), '/work/shared/data/eye-tracking/scene-fixations.json'].find(
    (path) => existsSync(path),
  ) ?? null;
