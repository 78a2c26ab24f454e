import type { FieldError } from '../api/field-errors.js';
import { messagesFor } from '../api/field-errors.js';

/** The id of the element holding a field's error messages, for aria-describedby. */
const errorId = (field: string): string => `error-${field.replaceAll('.', '-')}`;

/** The API's messages about one field, shown next to it and announced when they appear. */
export function FieldErrors({ errors, field }: { errors: readonly FieldError[]; field: string }) {
  const messages = messagesFor(errors, field);
  return (
    <div id={errorId(field)} className="field-error" role="alert">
      {messages.map((message) => (
        <p key={message}>{message}</p>
      ))}
    </div>
  );
}

/** Props that tie an input to its field's error messages. */
export function describedBy(errors: readonly FieldError[], field: string) {
  const invalid = messagesFor(errors, field).length > 0;
  return { 'aria-invalid': invalid || undefined, 'aria-describedby': errorId(field) };
}
