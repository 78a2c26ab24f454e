import { useEffect, useId, useState } from 'react';
import type { FieldError } from '../api/field-errors.js';
import { FieldErrors, describedBy } from './FieldErrors.js';

interface Props {
  label: string;
  /** The argument the list fills, e.g. where.maskTypes: its errors show here. */
  field: string;
  values: string[];
  suggestions: string[];
  placeholder?: string;
  hint?: string;
  errors: readonly FieldError[];
  onChange(values: string[]): void;
}

const parse = (text: string) => text.split(',').map((v) => v.trim()).filter((v) => v !== '');

/** Names separated by commas, with the names the data holds suggested; empty means "any". */
export function ListField({ label, field, values, suggestions, placeholder, hint, errors, onChange }: Props) {
  const id = useId();
  const [text, setText] = useState(() => values.join(', '));
  useEffect(() => setText((shown) => (parse(shown).join('\n') === values.join('\n') ? shown : values.join(', '))), [values]);
  // A datalist completes the whole input, so each suggestion is the list so far plus one more name.
  const typed = parse(text);
  const prefix = text.includes(',') ? `${text.slice(0, text.lastIndexOf(',') + 1)} ` : '';
  const options = suggestions.filter((s) => !typed.slice(0, -1).includes(s)).map((s) => prefix + s);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        list={`${id}-suggestions`}
        value={text}
        placeholder={placeholder ?? 'any'}
        autoComplete="off"
        {...describedBy(errors, field)}
        onChange={(event) => {
          setText(event.target.value);
          onChange(parse(event.target.value));
        }}
      />
      <datalist id={`${id}-suggestions`}>
        {options.map((option) => (
          <option key={option} value={option} />
        ))}
      </datalist>
      {hint && <p className="hint">{hint}</p>}
      <FieldErrors errors={errors} field={field} />
    </div>
  );
}
