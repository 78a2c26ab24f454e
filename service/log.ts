import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** One JSON line per event on stderr: easy to grep, easy to ship to a log store. */
export type LogFields = Record<string, unknown>;
export type Logger = (level: 'info' | 'warn' | 'error', event: string, fields?: LogFields) => void;

export const jsonLineLogger: Logger = (level, event, fields = {}) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
};

/** An error as a log shows it: name, message and stack, and its cause's. */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: String(error) };
  // Database errors carry their statement and parameters in the message: megabytes, for a batch of masks.
  const cut = (text: string | undefined) => (text && text.length > 2000 ? `${text.slice(0, 2000)}... (${text.length} characters)` : text);
  const code = (error as { code?: unknown }).code;
  const fields: LogFields = { error: cut(error.message), errorName: error.name, ...(typeof code === 'string' ? { code } : {}), stack: cut(error.stack) };
  if (error.cause !== undefined) fields.cause = errorFields(error.cause);
  return fields;
}

/**
 * The id of the HTTP request being served, kept through its async work, so that code without
 * a request at hand (yoga's error masking) can name it in logs and in what the client sees.
 */
const requestIds = new AsyncLocalStorage<string>();

export const newRequestId = (): string => randomUUID();

export const runWithRequestId = <T>(id: string, run: () => T): T => requestIds.run(id, run);

export const currentRequestId = (): string | undefined => requestIds.getStore();
