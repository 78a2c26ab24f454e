import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/masksearch.js', import.meta.url));

export interface Served {
  /** http://localhost:PORT */
  origin: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `masksearch serve --port 0` on the embedded store in dataDir, as a user starts it, once it says
 * it is ready. With demoImages an empty store is seeded (the real photos, then that many synthetic
 * images), as `npm start` does; without, it is left as it is.
 */
export async function serveStore(dataDir: string, options: { demoImages?: number } = {}): Promise<Served> {
  const { DATABASE_URL: _, ...env } = process.env;
  const demo = options.demoImages === undefined ? ['--no-demo'] : ['--demo-images', String(options.demoImages)];
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...demo, '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const ready = /MaskSearch ready: (http:\/\/[^/\s]+)/.exec(output);
      if (ready) resolve(ready[1]);
    });
    void exited.then(() => reject(new Error(`masksearch serve exited before it was ready:\n${output}`)));
  });
  return {
    origin,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
