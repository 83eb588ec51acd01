import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  certificateCoversName,
  certificateDnsNames,
  findCoveringName,
  parseSubjectAltName,
  validateDomainName,
} from '../../src/certs/index.js';
import { InputError } from '../../src/errors.js';
import { createRootCa, createTempDir, issueLeafCertificate, removeTempDir, type TestCertificate } from '../support/cert-factory.js';

describe('certificateCoversName', () => {
  const cases: Array<{ title: string; names: string[]; domain: string; covered: boolean }> = [
    { title: 'exact name covers itself', names: ['www.example.com'], domain: 'www.example.com', covered: true },
    { title: 'exact name does not cover a subdomain', names: ['example.com'], domain: 'www.example.com', covered: false },
    { title: 'exact name does not cover its parent', names: ['www.example.com'], domain: 'example.com', covered: false },
    { title: 'wildcard covers one label', names: ['*.example.com'], domain: 'www.example.com', covered: true },
    { title: 'wildcard does not cover the bare domain', names: ['*.example.com'], domain: 'example.com', covered: false },
    { title: 'wildcard does not cover two labels', names: ['*.example.com'], domain: 'a.b.example.com', covered: false },
    { title: 'wildcard does not cover another domain', names: ['*.example.com'], domain: 'www.example.org', covered: false },
    { title: 'wildcard suffix must end at a label boundary', names: ['*.example.com'], domain: 'www.badexample.com', covered: false },
    { title: 'wildcard under a top-level domain covers nothing', names: ['*.com'], domain: 'example.com', covered: false },
    { title: 'partial-label wildcard covers nothing', names: ['w*.example.com'], domain: 'www.example.com', covered: false },
    { title: 'wildcard below the left-most label covers nothing', names: ['www.*.example.com'], domain: 'www.a.example.com', covered: false },
    { title: 'comparison ignores case in the domain', names: ['www.example.com'], domain: 'WWW.Example.COM', covered: true },
    { title: 'comparison ignores case in the certificate', names: ['*.EXAMPLE.com'], domain: 'api.example.com', covered: true },
    { title: 'trailing dot on the domain is ignored', names: ['www.example.com'], domain: 'www.example.com.', covered: true },
    { title: 'trailing dot on the certificate name is ignored', names: ['www.example.com.'], domain: 'www.example.com', covered: true },
    { title: 'second name in the list can cover', names: ['example.com', '*.example.com'], domain: 'api.example.com', covered: true },
    { title: 'empty name list covers nothing', names: [], domain: 'example.com', covered: false },
  ];

  for (const { title, names, domain, covered } of cases) {
    test(title, () => {
      assert.equal(certificateCoversName(names, domain), covered);
    });
  }

  test('findCoveringName returns the matching entry', () => {
    assert.equal(findCoveringName(['example.com', '*.example.com'], 'api.example.com'), '*.example.com');
  });
});

describe('validateDomainName', () => {
  const valid: Array<{ title: string; input: string; expected: string }> = [
    { title: 'lower-cases the name', input: 'WWW.Example.COM', expected: 'www.example.com' },
    { title: 'removes one trailing dot', input: 'www.example.com.', expected: 'www.example.com' },
    { title: 'trims surrounding spaces', input: ' www.example.com ', expected: 'www.example.com' },
    { title: 'converts an internationalised name to ASCII', input: 'bücher.example', expected: 'xn--bcher-kva.example' },
    { title: 'accepts a single-label name', input: 'localhost', expected: 'localhost' },
  ];
  for (const { title, input, expected } of valid) {
    test(title, () => {
      assert.equal(validateDomainName(input), expected);
    });
  }

  const invalid: Array<{ title: string; input: string; message: RegExp }> = [
    { title: 'rejects an empty name', input: '  ', message: /--domain is empty/ },
    { title: 'rejects a wildcard', input: '*.example.com', message: /is a wildcard/ },
    { title: 'rejects an IPv4 address', input: '192.0.2.10', message: /is an IP address/ },
    { title: 'rejects an IPv6 address', input: '::1', message: /is an IP address/ },
    { title: 'rejects a label starting with a hyphen', input: '-www.example.com', message: /not a valid DNS name/ },
    { title: 'rejects an empty label', input: 'www..example.com', message: /not a valid DNS name/ },
    { title: 'rejects a label over 63 characters', input: `${'a'.repeat(64)}.example.com`, message: /not a valid DNS name/ },
    { title: 'rejects a URL', input: 'https://www.example.com/', message: /not a valid DNS name/ },
  ];
  for (const { title, input, message } of invalid) {
    test(title, () => {
      assert.throws(() => validateDomainName(input), (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

describe('parseSubjectAltName', () => {
  test('splits plain entries of several types', () => {
    assert.deepEqual(parseSubjectAltName('DNS:example.com, DNS:*.example.com, IP Address:127.0.0.1'), [
      { type: 'DNS', value: 'example.com' },
      { type: 'DNS', value: '*.example.com' },
      { type: 'IP Address', value: '127.0.0.1' },
    ]);
  });

  test('decodes a JSON-quoted value containing a comma', () => {
    // The form node 20 prints for a DNS entry "a, b.example" made with `openssl req`.
    assert.deepEqual(parseSubjectAltName('DNS:"a\\u002c b.example", DNS:c.example'), [
      { type: 'DNS', value: 'a, b.example' },
      { type: 'DNS', value: 'c.example' },
    ]);
  });

  test('returns nothing for an empty string', () => {
    assert.deepEqual(parseSubjectAltName(''), []);
  });
});

describe('certificateDnsNames', () => {
  let dir: string;
  let ca: TestCertificate;

  before(() => {
    dir = createTempDir();
    ca = createRootCa(dir, { commonName: 'Names Test Root CA' });
  });
  after(() => removeTempDir(dir));

  test('reads subjectAltName DNS entries in lower case', () => {
    const leaf = issueLeafCertificate(dir, ca, { commonName: 'ignored.example.test', dnsNames: ['WWW.Example.test', '*.api.example.test'] });
    const names = certificateDnsNames(new X509Certificate(leaf.certPem));

    assert.deepEqual(names.names, ['www.example.test', '*.api.example.test']);
    assert.equal(names.source, 'subjectAltName');
  });

  test('ignores the CN when a subjectAltName exists', () => {
    const leaf = issueLeafCertificate(dir, ca, { commonName: 'cn-only.example.test', dnsNames: ['san.example.test'] });
    const names = certificateDnsNames(new X509Certificate(leaf.certPem));

    assert.equal(names.names.includes('cn-only.example.test'), false);
  });

  test('falls back to the CN without subjectAltName', () => {
    const leaf = issueLeafCertificate(dir, ca, { commonName: 'legacy.example.test', dnsNames: [] });
    const names = certificateDnsNames(new X509Certificate(leaf.certPem));

    assert.deepEqual(names.names, ['legacy.example.test']);
    assert.equal(names.source, 'commonName');
  });
});
