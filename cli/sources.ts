import type { Command } from 'commander';
import { findConfigFile, loadSourceRegistry, CONFIG_FILE_NAME } from '../plugins/config.js';
import { PluginLoadError, type MaskSourceRegistry } from '../plugins/registry.js';
import type { MaskSource } from '../plugins/kit/index.js';
import { CliError } from './errors.js';

export interface SourceOptionValues {
  config?: string;
}

/** The option of every command that needs the installed sources. */
export function withSourceOptions(command: Command): Command {
  return command.option('--config <file>', `plugin configuration (default: ./${CONFIG_FILE_NAME} if present)`);
}

/** Built-in sources plus the config file's plugins; a broken plugin or config is the user's to fix. */
export async function loadSources(values: SourceOptionValues): Promise<MaskSourceRegistry> {
  try {
    return await loadSourceRegistry(findConfigFile(values.config));
  } catch (error) {
    if (error instanceof PluginLoadError) throw new CliError(error.message);
    throw error;
  }
}

export function requireSource(registry: MaskSourceRegistry, name: string): MaskSource<unknown> {
  const source = registry.get(name);
  if (!source) throw new CliError(`--source: no source named '${name}'; installed: ${registry.names().join(', ')}`);
  return source;
}
