import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CertificateCheckError,
  parseCertificateFile,
  readCertificateFile,
  type CertificateProblemKind,
} from '../../src/certs/index.js';
import { parsePemBlocks } from '../../src/certs/pem.js';
import {
  certificateToDer,
  createTempDir,
  createTestPki,
  removeTempDir,
  writeTestFile,
  type TestPki,
} from '../support/cert-factory.js';

let dir: string;
let pki: TestPki;

before(() => {
  dir = createTempDir();
  pki = createTestPki({ dir, domain: 'read.example.test' });
});
after(() => removeTempDir(dir));

describe('readCertificateFile repairs', () => {
  const cases: Array<{ title: string; content: () => string | Buffer; repair: RegExp }> = [
    {
      title: 'removes a UTF-8 byte order mark',
      content: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pki.leaf.certPem)]),
      repair: /removed the UTF-8 byte order mark/,
    },
    {
      title: 'converts CRLF line endings',
      content: () => pki.leaf.certPem.replace(/\n/g, '\r\n'),
      repair: /converted CRLF line endings to LF/,
    },
    {
      title: 'adds a missing final newline',
      content: () => pki.leaf.certPem.trimEnd(),
      repair: /added the missing final newline/,
    },
    {
      title: 'ignores text outside PEM blocks',
      content: () => `Bag Attributes\n    localKeyID: 01\nsubject=CN = read.example.test\n${pki.leaf.certPem}`,
      repair: /ignored 3 line\(s\) of text outside the PEM blocks/,
    },
    {
      title: 'drops an EC PARAMETERS block',
      content: () => `-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${pki.leaf.keyPem}`,
      repair: /dropped the EC PARAMETERS block at line 1/,
    },
  ];

  for (const { title, content, repair } of cases) {
    test(title, async () => {
      const path = writeTestFile(dir, `repair-${title.replace(/\W+/g, '-')}.pem`, content());
      const contents = await readCertificateFile(path);

      assert.equal(contents.repairs.length, 1, contents.repairs.join('\n'));
      assert.match(contents.repairs[0] ?? '', repair);
      assert.ok((contents.repairs[0] ?? '').startsWith(`${path}: `));
    });
  }

  test('reports nothing for a canonical PEM file', async () => {
    const contents = await readCertificateFile(pki.leaf.certPath);
    assert.deepEqual(contents.repairs, []);
  });

  test('reports BOM, CRLF and final newline together', async () => {
    const content = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pki.leaf.certPem.trimEnd().replace(/\n/g, '\r\n'))]);
    const contents = await readCertificateFile(writeTestFile(dir, 'all-three.pem', content));

    assert.equal(contents.repairs.length, 3);
    assert.equal(contents.certificates.length, 1);
  });

  test('reads indented PEM lines', async () => {
    const indented = pki.leaf.certPem.split('\n').map((line) => (line ? `    ${line}` : line)).join('\n');
    const contents = await readCertificateFile(writeTestFile(dir, 'indented.pem', indented));

    assert.equal(contents.certificates[0]?.fingerprint256, (await readCertificateFile(pki.leaf.certPath)).certificates[0]?.fingerprint256);
  });
});

describe('readCertificateFile contents', () => {
  test('converts a DER certificate', async () => {
    const derPath = certificateToDer(pki.leaf.certPath, join(dir, 'leaf.der'));
    const contents = await readCertificateFile(derPath);

    assert.equal(contents.encoding, 'der');
    assert.equal(contents.certificates.length, 1);
    assert.match(contents.repairs.join('\n'), /converted the DER certificate to PEM/);
  });

  test('splits a file holding certificates and a key', async () => {
    const path = writeTestFile(dir, 'combined.pem', pki.leaf.keyPem + pki.chainPem);
    const contents = await readCertificateFile(path);

    assert.equal(contents.certificates.length, 2);
    assert.equal(contents.keys.length, 1);
  });

  test('keeps certificates in file order', async () => {
    const contents = await readCertificateFile(pki.fullChainPath);
    const subjects = contents.certificates.map((certificate) => certificate.subject);

    assert.deepEqual(subjects, ['CN=read.example.test', 'CN=Certfleet Test Intermediate CA 1', 'CN=Certfleet Test Root CA']);
  });

  test('lists a CSR as another block', async () => {
    const csr = readFileSync(pki.leaf.certPath.replace(/\.pem$/, '.csr'), 'utf8');
    const contents = await readCertificateFile(writeTestFile(dir, 'request.pem', csr));

    assert.deepEqual(contents.otherBlocks, [{ label: 'CERTIFICATE REQUEST', line: 1 }]);
    assert.equal(contents.certificates.length, 0);
  });

  test('reads RFC 1421 headers of a legacy encrypted key', () => {
    const text = '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n';
    const [block] = parsePemBlocks(text).blocks;

    assert.deepEqual(block?.headers, { 'Proc-Type': '4,ENCRYPTED', 'DEK-Info': 'AES-256-CBC,00' });
  });
});

describe('readCertificateFile errors', () => {
  const cases: Array<{ title: string; content: () => string | Buffer; kind: CertificateProblemKind; message: RegExp }> = [
    { title: 'rejects an empty file', content: () => '', kind: 'file-empty', message: /the file is empty/ },
    {
      title: 'rejects UTF-16 text',
      content: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pki.leaf.certPem, 'utf16le')]),
      kind: 'unsupported-encoding',
      message: /UTF-16/,
    },
    { title: 'rejects text that is neither PEM nor DER', content: () => 'hello\n', kind: 'unsupported-encoding', message: /neither PEM/ },
    {
      title: 'rejects DER that is neither certificate nor key',
      content: () => Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]),
      kind: 'unsupported-encoding',
      message: /PKCS#12/,
    },
    {
      title: 'rejects a truncated PEM block',
      content: () => pki.leaf.certPem.split('\n').slice(0, 5).join('\n'),
      kind: 'invalid-pem',
      message: /starts at line 1 has no END line/,
    },
    {
      title: 'rejects a mismatched END label',
      content: () => pki.leaf.certPem.replace('END CERTIFICATE', 'END PRIVATE KEY'),
      kind: 'invalid-pem',
      message: /ends with "END PRIVATE KEY"/,
    },
    {
      title: 'rejects a body that is not base64',
      content: () => pki.leaf.certPem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!'),
      kind: 'invalid-pem',
      message: /is not valid base64/,
    },
    {
      title: 'rejects a certificate that does not parse',
      content: () => '-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n',
      kind: 'invalid-certificate',
      message: /the certificate at line 1 could not be parsed/,
    },
  ];

  for (const { title, content, kind, message } of cases) {
    test(title, async () => {
      const path = writeTestFile(dir, `error-${title.replace(/\W+/g, '-')}.pem`, content());
      await assert.rejects(readCertificateFile(path), (error: unknown) => {
        assert.ok(error instanceof CertificateCheckError);
        assert.equal(error.problems[0]?.kind, kind);
        assert.equal(error.file, path);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  test('names a missing file', async () => {
    const path = join(dir, 'missing.pem');
    await assert.rejects(readCertificateFile(path), (error: unknown) => {
      assert.ok(error instanceof CertificateCheckError);
      assert.equal(error.problems[0]?.kind, 'file-unreadable');
      assert.equal(error.message, `${path}: the file was not found. Check the path.`);
      return true;
    });
  });

  test('rejects a directory', async () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    await assert.rejects(readCertificateFile(path), /the path is a directory/);
  });

  test('parseCertificateFile reads bytes without touching the disk', () => {
    const contents = parseCertificateFile('in-memory.pem', Buffer.from(pki.leaf.certPem));
    assert.equal(contents.certificates.length, 1);
  });
});
