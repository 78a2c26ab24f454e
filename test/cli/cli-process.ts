import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FreshStore } from '../db/fresh-store.js';

/** The CLI as users run it: the bin launcher, which compiles the TypeScript sources with tsx. */
const BIN = fileURLToPath(new URL('../../bin/masksearch.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment and arguments that point the CLI at `fresh`, whichever driver it uses. */
export function storeArgs(fresh: FreshStore): { env: NodeJS.ProcessEnv; args: string[] } {
  const { DATABASE_URL: _, ...env } = process.env;
  return fresh.options.databaseUrl
    ? { env: { ...env, DATABASE_URL: fresh.options.databaseUrl }, args: [] }
    : { env, args: ['--data-dir', fresh.options.dataDir!] };
}

function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<CliResult> {
  const child = spawnCli(args, env, cwd);
  const result: CliResult = { code: null, stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk) => (result.stdout += chunk));
  child.stderr!.on('data', (chunk) => (result.stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...result, code }));
  });
}

/** Runs a CLI command against `fresh`; the store arguments go after the command's own. */
export const runOnStore = (fresh: FreshStore, args: readonly string[]): Promise<CliResult> => {
  const store = storeArgs(fresh);
  return runCli([...args, ...store.args], store.env);
};

export interface ServerProcess {
  readonly child: ChildProcess;
  /** The GraphQL endpoint the server printed as ready. */
  readonly url: string;
  readonly output: () => CliResult;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: { message: string }[] }>;
  /** Sends SIGTERM; resolves with the exit code once the process is gone. */
  stop(): Promise<number | null>;
}

/** `masksearch serve --port 0` on `fresh`, once it says it is ready. */
export async function startServer(fresh: FreshStore): Promise<ServerProcess> {
  const store = storeArgs(fresh);
  const child = spawnCli(['serve', '--port', '0', '--no-demo', ...store.args], store.env);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const ready = /MaskSearch ready: (\S+)/.exec(stdout);
      if (ready) resolve(ready[1]);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code} before it was ready: ${stderr}`)));
  });
  return {
    child,
    url,
    output: () => ({ code: child.exitCode, stdout, stderr }),
    async gql(query, variables) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
