import { useEffect, useState } from 'react';
import type { InputHTMLAttributes } from 'react';

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'type'> & {
  value: number;
  onChange(value: number): void;
};

const sameNumber = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/**
 * A number typed as text: what the user typed stays as typed ("0." while typing 0.5), and text
 * that is not a number is passed on as NaN rather than corrected, so the API's message about it
 * shows next to the field.
 */
export function NumberField({ value, onChange, ...input }: Props) {
  const [text, setText] = useState(() => String(value));
  // A value set from outside (a preset, the back button) replaces the text.
  useEffect(() => setText((shown) => (sameNumber(Number(shown), value) ? shown : String(value))), [value]);
  return (
    <input
      {...input}
      type="text"
      inputMode="decimal"
      autoComplete="off"
      value={text}
      onChange={(event) => {
        setText(event.target.value);
        onChange(event.target.value.trim() === '' ? NaN : Number(event.target.value));
      }}
    />
  );
}
