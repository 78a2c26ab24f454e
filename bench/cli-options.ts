import { InvalidArgumentError } from 'commander';

/** A commander option parser: a whole number ≥ 1, or the option is refused with why. */
export const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
