import { shellQuote } from './shell-quote.js';

/**
 * Wraps a shell command so that it runs as root without any prompt: `sudo -n`
 * fails at once where a password would be asked for, instead of hanging.
 */
export function withSudo(command: string, loginUser: string): string {
  if (loginUser === 'root') return command;
  return `sudo -n -- sh -c ${shellQuote(command)}`;
}

/** Recognises sudo's own rejection in a command's stderr. */
export function isSudoRejection(stderr: string): boolean {
  return /sudo: (a password is required|a terminal is required)|is not in the sudoers file|is not allowed to run sudo|may not run sudo/.test(stderr);
}
