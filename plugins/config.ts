import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { BUILTIN_SOURCE_MODULES } from './builtin.js';
import { MaskSourceRegistry, PluginLoadError } from './registry.js';

export const CONFIG_FILE_NAME = 'masksearch.config.json';

const configSchema = z
  .object({
    /** Plugin modules: paths relative to the config file, or npm package names installed next to it. */
    plugins: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type MaskSearchConfig = z.infer<typeof configSchema>;

/** The config file to use: the one named, else masksearch.config.json in `cwd` if there is one. */
export function findConfigFile(explicit: string | undefined, cwd: string = process.cwd()): string | undefined {
  if (explicit) return resolve(cwd, explicit);
  const candidate = resolve(cwd, CONFIG_FILE_NAME);
  return existsSync(candidate) ? candidate : undefined;
}

export async function readConfig(file: string): Promise<MaskSearchConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PluginLoadError(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PluginLoadError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PluginLoadError(`config file ${file}: ${issue.path.join('.') || 'the top level'}: ${issue.message}`);
  }
  return parsed.data;
}

/** A plugin entry as an importable URL: paths relative to the config file, bare names as packages beside it. */
function moduleUrl(entry: string, configFile: string): string {
  if (entry.startsWith('.') || isAbsolute(entry)) return pathToFileURL(resolve(dirname(configFile), entry)).href;
  try {
    return pathToFileURL(createRequire(configFile).resolve(entry)).href;
  } catch {
    throw new PluginLoadError(`config file ${configFile}: plugin package '${entry}' is not installed next to it (npm install ${entry})`);
  }
}

/** The built-in sources plus those the config file lists. */
export async function loadSourceRegistry(configFile?: string): Promise<MaskSourceRegistry> {
  const registry = new MaskSourceRegistry();
  for (const module of BUILTIN_SOURCE_MODULES) await registry.load(module, { builtin: true, label: `built-in ${module.split('/plugins/')[1] ?? module}` });
  if (configFile) {
    const config = await readConfig(configFile);
    for (const entry of config.plugins) await registry.load(moduleUrl(entry, configFile), { label: entry });
  }
  return registry;
}
