#!/usr/bin/env -S node --import tsx
import { Command } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { demoCommand } from './commands/demo.js';
import { imagesImportCommand } from './commands/images-import.js';
import { ingestCommand } from './commands/ingest.js';
import { migrateCommand } from './commands/migrate.js';
import { serveCommand } from './commands/serve.js';
import { sourcesCommand } from './commands/sources.js';
import { tokensCommand } from './commands/tokens.js';
import { UserError } from '../text/errors.js';

const program = new Command('masksearch')
  .description(packageJson.description)
  .version(packageJson.version)
  .addCommand(serveCommand())
  .addCommand(migrateCommand())
  .addCommand(new Command('images').description('manage images').addCommand(imagesImportCommand()))
  .addCommand(ingestCommand())
  .addCommand(sourcesCommand())
  .addCommand(tokensCommand())
  .addCommand(demoCommand());

try {
  await program.parseAsync();
} catch (error) {
  // A UserError (CliError among them) is the user's to fix and says all there is; anything else is a bug, worth its stack.
  console.error(error instanceof UserError ? `masksearch: ${error.message}` : `masksearch: unexpected error: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
}
