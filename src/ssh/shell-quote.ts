/**
 * Quotes one word for a POSIX shell. Every value that reaches a remote command
 * line (paths, names, inventory variables) goes through this function.
 */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Joins words into one command line, quoting each. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
