/** A failure the user can act on (a bad file, a wrong argument): shown as its message alone, without a stack trace. */
export class UserError extends Error {
  override name = 'UserError';
}

/** The innermost cause's message: drivers wrap the useful part ("connect ECONNREFUSED ...") in generic errors. */
export function rootMessage(error: unknown): string {
  let innermost = error;
  while (innermost instanceof Error && innermost.cause !== undefined) innermost = innermost.cause;
  return innermost instanceof Error ? innermost.message : String(innermost);
}

/** Node's file system error codes as words, for "cannot read FILE: ...". */
export function fileProblem(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return rootMessage(error);
}
