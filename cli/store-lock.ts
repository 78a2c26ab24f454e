import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './errors.js';

/**
 * Embedded PGlite is one process's store: a second process opening the same directory is not
 * refused by PGlite, it corrupts it. So whoever opens it holds this file, naming itself and,
 * for a server, where its API is, so that other commands can hand their work to it.
 */
export const LOCK_FILE = 'masksearch.lock';

export interface LockHolder {
  pid: number;
  /** The masksearch command holding the store, e.g. "serve" or "images import". */
  command: string;
  /** A server's GraphQL endpoint, once it listens. */
  url?: string;
  /**
   * The server's operator secret (admin scope, valid while it runs): a command on the same store
   * sends it with the work it hands over. Whoever can read this file can read the store anyway.
   */
  token?: string;
}

export class StoreInUse extends CliError {
  override name = 'StoreInUse';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    const by = `the store in ${dataDir} is in use by`;
    super(
      holder.command !== 'serve'
        ? `${by} "masksearch ${holder.command}" (pid ${holder.pid}); wait for it to finish`
        : holder.url
          ? `${by} a MaskSearch server (pid ${holder.pid}, ${holder.url}); stop it or use its GraphQL API`
          : `${by} a MaskSearch server that is starting (pid ${holder.pid}); stop it, or use its GraphQL API once it is ready`,
    );
  }
}

export interface StoreLock {
  /** Publishes the server's endpoint, and the secret to reach it with, to other commands. */
  setServer(url: string, token: string): Promise<void>;
  release(): Promise<void>;
}

/** Takes the store in `dataDir` for this process, or throws StoreInUse naming the live holder. */
export async function lockStore(dataDir: string, command: string): Promise<StoreLock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, command };
  // A lock left by a process that died is removed and the claim retried once.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await createExclusive(path, JSON.stringify(mine))) {
      return {
        setServer: (url, token) => replace(path, JSON.stringify({ ...mine, url, token })),
        async release() {
          if ((await readHolder(path))?.pid === process.pid) await rm(path, { force: true });
        },
      };
    }
    const holder = await readHolder(path);
    if (holder && isAlive(holder.pid)) throw new StoreInUse(dataDir, holder);
    await rm(path, { force: true });
  }
  throw new CliError(`cannot take the store in ${dataDir}: another process keeps claiming ${path}`);
}

/** The holder named in the lock file, or undefined if there is none or it is not ours to read. */
async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as Partial<LockHolder>;
    return Number.isInteger(holder.pid) && typeof holder.command === 'string' ? (holder as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/** Written aside and hard-linked into place, so nobody ever reads a half-written lock file. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const aside = `${path}.${process.pid}`;
  await writeFile(aside, content, { mode: 0o600 });
  try {
    await link(aside, path);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(aside, { force: true });
  }
}

async function replace(path: string, content: string): Promise<void> {
  const aside = `${path}.${process.pid}`;
  await writeFile(aside, content, { mode: 0o600 });
  await rename(aside, path);
}
