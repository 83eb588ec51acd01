import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assetsDir } from '../../src/playbook/app-files.js';
import { createTempDir, createTestPki, removeTempDir, type TestPki } from '../support/cert-factory.js';

/**
 * Runs Python code with the launcher importable as `launcher` and returns its stdout.
 * The checks run in the controller's python3, which plays the host's part here.
 */
function runPython(code: string, ...args: string[]): string {
  return execFileSync('python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(assetsDir())})\n${code}`, ...args], { encoding: 'utf8' });
}

function hasFlask(): boolean {
  try {
    execFileSync('python3', ['-c', 'import flask'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('launcher TLS context', () => {
  let dir: string;
  let pki: TestPki;

  before(() => {
    dir = createTempDir();
    pki = createTestPki({ dir, domain: 'app.fleet.test' });
  });

  after(() => removeTempDir(dir));

  test('minimum version is TLS 1.2', () => {
    const output = runPython(
      'import launcher, ssl\nctx = launcher.make_ssl_context(sys.argv[1], sys.argv[2])\nprint(ctx.minimum_version == ssl.TLSVersion.TLSv1_2)',
      pki.chainPath,
      pki.leaf.keyPath,
    );
    assert.equal(output.trim(), 'True');
  });

  test('without minimum_version the OP_NO flags are set', () => {
    // Python 3.6's SSLContext has no minimum_version: a stand-in context without it takes its place.
    const code = [
      'import launcher, ssl',
      'class OldContext:',
      '    def __init__(self, protocol):',
      '        self.__dict__["_inner"] = ssl.SSLContext(protocol)',
      '    def __getattr__(self, name):',
      '        if name == "minimum_version":',
      '            raise AttributeError(name)',
      '        return getattr(self._inner, name)',
      '    def __setattr__(self, name, value):',
      '        setattr(self._inner, name, value)',
      'class OldSsl:',
      '    def __getattr__(self, name):',
      '        return getattr(ssl, name)',
      '    SSLContext = OldContext',
      'launcher.ssl = OldSsl()',
      'ctx = launcher.make_ssl_context(sys.argv[1], sys.argv[2])',
      'print(hasattr(ctx, "minimum_version"), bool(ctx.options & ssl.OP_NO_TLSv1), bool(ctx.options & ssl.OP_NO_TLSv1_1))',
    ].join('\n');
    assert.equal(runPython(code, pki.chainPath, pki.leaf.keyPath).trim(), 'False True True');
  });

  test('cipher list has no CBC or RSA key exchange', () => {
    const output = runPython(
      'import launcher\nctx = launcher.make_ssl_context(sys.argv[1], sys.argv[2])\nprint("\\n".join(c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.2"))',
      pki.chainPath,
      pki.leaf.keyPath,
    );
    const names = output.trim().split('\n');
    assert.ok(names.length > 0);
    for (const name of names) assert.match(name, /^(ECDHE|DHE)-.*(GCM|CHACHA20)/, name);
  });

  // The integration tests run the sample app on real hosts; this quicker check needs Flask on the controller.
  test('sample app answers on /', { skip: hasFlask() ? false : 'Flask is not installed for python3 here' }, () => {
    const output = runPython(`sys.path.insert(0, ${JSON.stringify(join(assetsDir(), 'sample-app'))})\nimport app\nprint(app.app.test_client().get("/").status_code)`);
    assert.equal(output.trim(), '200');
  });
});
