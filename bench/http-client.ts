/**
 * A GraphQL client in its own process, as a real client is: the benchmarks' HTTP times are then
 * the server's and the socket's, not those of a fetch sharing the server's thread. One request at
 * a time on one kept-alive connection (node:http); each answer comes back with its round trip,
 * timed in the client.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Answer {
  /** Round trip in ms, from the request's first byte written to the response's last byte read. */
  ms: number;
  bytes: number;
  body: { data?: Record<string, unknown>; errors?: unknown };
}

export interface HttpClient {
  post(query: string, variables?: Record<string, unknown>): Promise<Answer>;
  close(): Promise<void>;
}

// Reads one request ({ query, variables }) per line on stdin, writes one answer per line on stdout.
const CLIENT = `
const http = require('node:http');
const readline = require('node:readline');
const url = process.argv[1];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const once = (request) => new Promise((resolve, reject) => {
  const body = JSON.stringify(request);
  const t0 = performance.now();
  const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
    const parts = [];
    res.on('data', (c) => parts.push(c));
    res.on('end', () => {
      const ms = performance.now() - t0;
      const text = Buffer.concat(parts).toString();
      resolve({ ms, bytes: Buffer.byteLength(text), body: JSON.parse(text) });
    });
  });
  req.on('error', reject);
  req.end(body);
});
const lines = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
lines.on('line', (line) => {
  chain = chain.then(() => once(JSON.parse(line))).then((answer) => process.stdout.write(JSON.stringify(answer) + '\\n'), (error) => { console.error(error); process.exit(1); });
});
lines.on('close', () => chain.then(() => agent.destroy()));
`;

export function startHttpClient(url: string): HttpClient {
  const child = spawn(process.execPath, ['-e', CLIENT, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: { resolve: (a: Answer) => void; reject: (e: Error) => void }[] = [];
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      for (const w of waiting.splice(0)) w.reject(new Error(`the HTTP client exited with ${code}`));
      resolve();
    }),
  );
  createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.resolve(JSON.parse(line) as Answer));
  return {
    post(query, variables) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin!.write(`${JSON.stringify({ query, variables })}\n`);
      });
    },
    async close() {
      child.stdin!.end();
      await exited;
    },
  };
}
