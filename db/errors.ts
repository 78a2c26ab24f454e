import { DrizzleQueryError } from 'drizzle-orm';

/** The SQLSTATE of a driver error, looking through drizzle's DrizzleQueryError wrapper. */
export function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * A database error stripped of the statement and its parameters, which drizzle and PGlite attach
 * to their errors: for a batch of masks those are megabytes of pixel bytes.
 */
export class StoreError extends Error {
  override name = 'StoreError';
  /** The SQLSTATE, e.g. 23503 for a foreign key violation. */
  readonly code: string | undefined;
  readonly detail: string | undefined;

  constructor(error: unknown) {
    const driverError = error instanceof DrizzleQueryError && error.cause ? error.cause : error;
    const detail = (driverError as { detail?: unknown }).detail;
    const message = driverError instanceof Error ? driverError.message : String(driverError);
    super(typeof detail === 'string' ? `${message} (${detail})` : message);
    this.code = sqlState(error);
    this.detail = typeof detail === 'string' ? detail : undefined;
  }
}

const LOST_CONNECTION_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/**
 * The database went away under a statement: a terminated backend (SQLSTATE 57P01–57P03), a
 * connection exception (class 08), or postgres.js's own codes for a dropped socket. The request
 * failed through no fault of the client's and may be retried.
 */
export function isConnectionLoss(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (LOST_CONNECTION_CODES.has(code) || /^08/.test(code) || /^57P0[123]$/.test(code)) return true;
  }
  return false;
}
