/**
 * Regexes from clients (ingestMasks' keyRegex) run on the server's one thread, and JavaScript's
 * engine backtracks: `(a+)+$` on thirty a's and a b takes minutes. Rather than a time budget
 * (a regex cannot be interrupted) or another engine, patterns that can backtrack exponentially
 * are refused: a quantified group that contains a quantifier or an alternation, and
 * backreferences. What is left (quantifiers on single atoms, alternation outside repetition)
 * matches a file name in time polynomial in its length, and names are short.
 */
export const MAX_CLIENT_REGEX_LENGTH = 200;

export function unsafeRegexReason(pattern: string): string | null {
  if (pattern.length > MAX_CLIENT_REGEX_LENGTH) return `is longer than ${MAX_CLIENT_REGEX_LENGTH} characters`;
  if (/\\[1-9]|\\k</.test(pattern)) return 'uses a backreference';
  // For each open group: does it hold a quantifier or an alternation?
  const groups: { risky: boolean }[] = [];
  let lastGroupRisky = false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      lastGroupRisky = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      lastGroupRisky = false;
      continue;
    }
    if (c === '(') {
      groups.push({ risky: false });
      // (?:, (?<name>, (?=, (?! and (?<= open special groups: the `?` is no quantifier.
      if (pattern[i + 1] === '?') i++;
      continue;
    }
    if (c === ')') {
      const group = groups.pop();
      lastGroupRisky = group?.risky ?? false;
      // A group inside a risky group makes the outer one risky too, once it is quantified.
      if (group?.risky && groups.length) groups[groups.length - 1].risky = true;
      continue;
    }
    const quantifier = c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i)));
    if (quantifier) {
      // `?` right after a quantifier makes it lazy; after `(` it opened a special group (handled above).
      if (lastGroupRisky && c !== '?') return 'repeats a group that itself repeats or alternates, which can take exponential time';
      if (groups.length) groups[groups.length - 1].risky = true;
      lastGroupRisky = false;
      continue;
    }
    if (c === '|' && groups.length) groups[groups.length - 1].risky = true;
    lastGroupRisky = false;
  }
  return null;
}
