/** 12345 → "12,345", whatever the locale of the machine. */
export const count = (n: number): string => n.toLocaleString('en-US');

/** "1 image", "5,000 images". */
export const plural = (n: number, noun: string): string => `${count(n)} ${noun}${n === 1 ? '' : 's'}`;

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** ["2", "5", "7"] → "2, 5 and 7". */
export function listing(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
