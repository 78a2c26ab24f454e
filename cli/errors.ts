import { UserError } from '../text/errors.js';

/** A failure of a command the user can act on: main prints its message as one line. */
export class CliError extends UserError {
  override name = 'CliError';
}
