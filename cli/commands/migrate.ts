import { Command } from 'commander';
import { plural } from '../../text/format.js';
import { openStore, storeLocation, withStoreOptions, type StoreOptionValues } from '../store.js';

export function migrateCommand(): Command {
  return withStoreOptions(new Command('migrate'))
    .description('bring the store\'s schema up to date (serve does this too, on start)')
    .action((options: StoreOptionValues) => migrate(options));
}

async function migrate(options: StoreOptionValues): Promise<void> {
  const location = storeLocation(options);
  const store = await openStore(location, 'migrate');
  try {
    const applied = store.handle.appliedMigrations;
    console.log(
      applied.length === 0
        ? `${location.label} is up to date; no migrations to apply`
        : `applied ${plural(applied.length, 'migration')} to ${location.label}: ${applied.join(', ')}`,
    );
  } finally {
    await store.close();
  }
}
