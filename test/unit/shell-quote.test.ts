import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { shellJoin, shellQuote } from '../../src/ssh/shell-quote.js';
import { withSudo } from '../../src/ssh/sudo.js';

describe('shell quoting', () => {
  const words = ['plain', '/ssl/cert.pem', 'two words', "it's", '$(reboot)', '`id`', 'a;b|c&d', '*', '', 'new\nline', '"double"'];
  for (const word of words) {
    test(`${JSON.stringify(word)} reaches the command intact`, () => {
      // The local sh parses the quoted word exactly as the remote sh would.
      const echoed = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(word)}`]).toString();
      assert.equal(echoed, word);
    });
  }

  test('NUL byte is rejected', () => {
    assert.throws(() => shellQuote('a\0b'), /NUL/);
  });

  test('sudo wrapping keeps the command intact', () => {
    const command = `printf '%s' ${shellJoin(["it's $HOME"])}`;
    assert.equal(withSudo(command, 'root'), command);
    const wrapped = withSudo(command, 'deploy');
    assert.ok(wrapped.startsWith('sudo -n -- sh -c '));
    // Run the inner part through sh the way sudo would, without sudo itself.
    const inner = wrapped.slice('sudo -n -- '.length);
    assert.equal(execFileSync('sh', ['-c', inner]).toString(), "it's $HOME");
  });
});
