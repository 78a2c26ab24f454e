#!/usr/bin/env node
// The repository runs its TypeScript from source: tsx compiles cli/ and what it imports on load.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
