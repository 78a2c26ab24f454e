import type { ApiError } from './client.js';

/** An error of the API, and the argument it is about (a field of the query builder), if it names one. */
export interface FieldError {
  /** An argument path as the API names it: `range`, `roi.imageBox`, `where.modelNames`, `k`; null for the query as a whole. */
  field: string | null;
  message: string;
}

const ARGUMENTS = ['where', 'roi', 'range', 'normalize', 'op', 'threshold', 'k', 'order', 'having', 'measure', 'members', 'first', 'after', 'minRoiArea', 'useIndex'];

/**
 * The API names the argument at the start of a BAD_USER_INPUT message (`range: the lower end…`,
 * `k must be…`, `where.ids: '…' is not a Mask id`, `members[1].where.ids: …`); GraphQL's own coercion errors name the
 * variable (`Variable "$k" …`), and our variables are named after the arguments.
 */
export function fieldOf(message: string): string | null {
  const variable = /^Variable "\$(\w+)"/.exec(message);
  if (variable) return ARGUMENTS.includes(variable[1]) ? variable[1] : null;
  const argument = /^([A-Za-z]+)((?:\.[A-Za-z]+|\[\d+\])*)(?=[:\s])/.exec(message);
  return argument && ARGUMENTS.includes(argument[1]) ? argument[1] + argument[2] : null;
}

export const fieldErrors = (errors: ApiError[]): FieldError[] => errors.map((e) => ({ field: fieldOf(e.message), message: e.message }));

/** The messages about a field of the builder: those naming it or anything inside it (`roi` takes `roi.box.width`, `members` `members[0].where`). */
export const messagesFor = (errors: readonly FieldError[], field: string): string[] =>
  errors.filter((e) => e.field !== null && (e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(`${field}[`))).map((e) => e.message);
