import { Command } from 'commander';
import { describeOptions } from '../../plugins/describe.js';
import { loadSources, withSourceOptions, type SourceOptionValues } from '../sources.js';

export function sourcesCommand(): Command {
  return withSourceOptions(new Command('sources'))
    .description('list the installed mask source plugins, the files they read and their options (for ingest -o NAME=VALUE)')
    .action(async (options: SourceOptionValues) => {
      const registry = await loadSources(options);
      for (const { source, module, builtin } of registry.list()) {
        console.log(`${source.name}${builtin ? '' : ` (plugin ${module})`}: ${source.description}`);
        console.log(`  mask type: ${source.defaultMaskType}`);
        for (const input of source.inputs) console.log(`  reads ${input.extensions.join(', ')}: ${input.description}`);
        for (const option of describeOptions(source)) {
          const fallback = option.default === null ? '' : ` (default ${JSON.stringify(option.default)})`;
          console.log(`  -o ${option.name}=<${option.type}>${fallback}${option.description ? `: ${option.description}` : ''}`);
        }
      }
    });
}
