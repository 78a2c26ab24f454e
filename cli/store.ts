import type { Command } from 'commander';
import { DEFAULT_DATA_DIR, openDatabase, type DatabaseHandle } from '../db/client.js';
import { CliError } from './errors.js';
import { rootMessage } from '../text/errors.js';
import { lockStore, type StoreLock } from './store-lock.js';

/**
 * Where the store is: PostgreSQL when DATABASE_URL is set, else embedded PGlite in a directory.
 * `label` names it in messages, without the URL's password.
 */
export type StoreLocation = { kind: 'postgres'; url: string; label: string } | { kind: 'pglite'; dataDir: string; label: string };

export interface StoreOptionValues {
  dataDir?: string;
}

/** The options of every command that opens the store. */
export function withStoreOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', `embedded store (PGlite) directory, used when DATABASE_URL is not set (default: "${DEFAULT_DATA_DIR}")`)
    .addHelpText('after', '\nDATABASE_URL=postgres://user@host:5432/db selects a PostgreSQL database instead of the embedded store.');
}

export function storeLocation(values: StoreOptionValues, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  const url = env.DATABASE_URL;
  if (!url) {
    const dataDir = values.dataDir ?? DEFAULT_DATA_DIR;
    return { kind: 'pglite', dataDir, label: `the store in ${dataDir}` };
  }
  // Silently preferring one would import into a store the user did not mean.
  if (values.dataDir !== undefined) throw new CliError('--data-dir names an embedded store, but DATABASE_URL is set; unset DATABASE_URL or drop --data-dir');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError('DATABASE_URL is not a URL; expected postgres://user@host:5432/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new CliError(`DATABASE_URL must be a postgres:// URL, got one starting ${parsed.protocol}//`);
  }
  if (parsed.password) parsed.password = '***';
  return { kind: 'postgres', url, label: `the database ${parsed.href}` };
}

export interface OpenStore {
  readonly handle: DatabaseHandle;
  /** Tells other commands where this server's API is and its operator secret (embedded store only: no one else can open it). */
  announce(url: string, token: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the store, applying migrations. The embedded store is first locked for `command`; a
 * live holder makes this throw StoreInUse.
 */
export async function openStore(location: StoreLocation, command: string): Promise<OpenStore> {
  const lock = location.kind === 'pglite' ? await lockEmbeddedStore(location, command) : undefined;
  let handle: DatabaseHandle;
  try {
    handle = await openDatabase(location.kind === 'postgres' ? { databaseUrl: location.url } : { dataDir: location.dataDir });
  } catch (error) {
    await lock?.release();
    throw new CliError(`cannot open ${location.label}: ${rootMessage(error)}`);
  }
  return {
    handle,
    announce: async (url, token) => lock?.setServer(url, token),
    async close() {
      try {
        await handle.close();
      } finally {
        await lock?.release();
      }
    },
  };
}

async function lockEmbeddedStore(location: StoreLocation & { kind: 'pglite' }, command: string): Promise<StoreLock> {
  try {
    return await lockStore(location.dataDir, command);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot open ${location.label}: ${rootMessage(error)}`);
  }
}
