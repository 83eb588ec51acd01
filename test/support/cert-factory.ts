/**
 * Test certificates made with the `openssl` command-line tool: a local root CA,
 * intermediates and leaf certificates with RSA or EC keys, plus the key and file
 * conversions that the certificate checks must accept (PKCS#1, SEC1, DER, encrypted).
 *
 * Certificates are signed with `openssl ca` because, in OpenSSL 3.0, it is the only
 * signing command that sets an arbitrary notBefore and notAfter, which the expiry
 * tests need. Every function is synchronous and writes only inside the given `dir`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyAlgorithm = 'rsa' | 'ec';

/** A certificate and its private key, both as files and as PEM text. */
export interface TestCertificate {
  commonName: string;
  certPath: string;
  certPem: string;
  keyPath: string;
  keyPem: string;
  /** Present only on CA certificates: the `openssl ca` database folder used to sign with this CA. */
  caDatabaseDir?: string;
}

export interface CertificateOptions {
  commonName: string;
  /** subjectAltName DNS entries. An empty list leaves the subjectAltName extension out. Defaults to [commonName] for leaves. */
  dnsNames?: string[];
  keyAlgorithm?: KeyAlgorithm;
  /** Defaults to one day before now. */
  notBefore?: Date;
  /** Defaults to 90 days after now for leaves and 3650 days for CAs. */
  notAfter?: Date;
  /**
   * File name stem for the .pem and .key files. Defaults to a name made from the common
   * name. A number is appended when files with that stem already exist in `dir`.
   */
  fileStem?: string;
  /** For issueCaCertificate only: false leaves out CA:TRUE, to make a broken intermediate. Defaults to true. */
  basicConstraintsCa?: boolean;
}

export interface TestPkiOptions {
  dir: string;
  domain: string;
  /** Leaf subjectAltName DNS entries. Defaults to [domain]. */
  dnsNames?: string[];
  /** Key algorithm of every key in the hierarchy unless overridden below. Defaults to 'ec'. */
  keyAlgorithm?: KeyAlgorithm;
  leafKeyAlgorithm?: KeyAlgorithm;
  /** Number of intermediate CAs between the root and the leaf. Defaults to 1. */
  intermediateCount?: number;
  leafNotBefore?: Date;
  leafNotAfter?: Date;
  /** Prefix of the CA common names, so that two hierarchies in one test differ. Defaults to 'Certfleet Test'. */
  caNamePrefix?: string;
}

export interface TestPki {
  dir: string;
  root: TestCertificate;
  /** Ordered from the CA that signed the leaf up to the one the root signed. */
  intermediates: TestCertificate[];
  leaf: TestCertificate;
  /** Leaf followed by the intermediates, as a server should send them. */
  chainPem: string;
  chainPath: string;
  /** Leaf, intermediates and the root. */
  fullChainPem: string;
  fullChainPath: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Creates a fresh temporary folder for one test file. Remove it with `removeTempDir`. */
export function createTempDir(prefix = 'certfleet-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Creates a root CA, `intermediateCount` intermediates and a leaf for `domain`. */
export function createTestPki(options: TestPkiOptions): TestPki {
  const prefix = options.caNamePrefix ?? 'Certfleet Test';
  const caAlgorithm = options.keyAlgorithm ?? 'ec';
  const intermediateCount = options.intermediateCount ?? 1;

  const root = createRootCa(options.dir, { commonName: `${prefix} Root CA`, keyAlgorithm: caAlgorithm });

  const signingOrder: TestCertificate[] = [];
  let issuer = root;
  for (let level = 1; level <= intermediateCount; level += 1) {
    issuer = issueCaCertificate(options.dir, issuer, {
      commonName: `${prefix} Intermediate CA ${level}`,
      keyAlgorithm: caAlgorithm,
    });
    signingOrder.push(issuer);
  }

  const leaf = issueLeafCertificate(options.dir, issuer, {
    commonName: options.domain,
    dnsNames: options.dnsNames ?? [options.domain],
    keyAlgorithm: options.leafKeyAlgorithm ?? caAlgorithm,
    notBefore: options.leafNotBefore,
    notAfter: options.leafNotAfter,
  });

  const intermediates = [...signingOrder].reverse();
  const chainPem = [leaf, ...intermediates].map((certificate) => certificate.certPem).join('');
  const fullChainPem = chainPem + root.certPem;
  const stem = uniqueStem(options.dir, fileStemFor(options.domain), ['.chain.pem']);

  return {
    dir: options.dir,
    root,
    intermediates,
    leaf,
    chainPem,
    chainPath: writeTestFile(options.dir, `${stem}.chain.pem`, chainPem),
    fullChainPem,
    fullChainPath: writeTestFile(options.dir, `${stem}.fullchain.pem`, fullChainPem),
  };
}

/** Creates a self-signed root CA certificate. */
export function createRootCa(dir: string, options: CertificateOptions): TestCertificate {
  const stem = uniqueStem(dir, options.fileStem ?? fileStemFor(options.commonName));
  const keyPath = generateKey(dir, stem, options.keyAlgorithm ?? 'ec');
  const databaseDir = createCaDatabase(dir, stem);
  const certPath = join(dir, `${stem}.pem`);

  signRequest({
    databaseDir,
    requestPath: createRequest(dir, stem, keyPath, options.commonName),
    signerKeyPath: keyPath,
    certPath,
    notBefore: options.notBefore ?? daysFromNow(-1),
    notAfter: options.notAfter ?? daysFromNow(3650),
    extensions: caExtensions(true),
  });

  return loadTestCertificate(options.commonName, certPath, keyPath, databaseDir);
}

/** Creates an intermediate CA certificate signed by `issuer`. */
export function issueCaCertificate(dir: string, issuer: TestCertificate, options: CertificateOptions): TestCertificate {
  const stem = uniqueStem(dir, options.fileStem ?? fileStemFor(options.commonName));
  const keyPath = generateKey(dir, stem, options.keyAlgorithm ?? 'ec');
  const certPath = join(dir, `${stem}.pem`);

  signRequest({
    databaseDir: requireCaDatabase(issuer),
    requestPath: createRequest(dir, stem, keyPath, options.commonName),
    signerKeyPath: issuer.keyPath,
    signerCertPath: issuer.certPath,
    certPath,
    notBefore: options.notBefore ?? daysFromNow(-1),
    notAfter: options.notAfter ?? daysFromNow(3650),
    extensions: caExtensions(options.basicConstraintsCa ?? true),
  });

  return loadTestCertificate(options.commonName, certPath, keyPath, createCaDatabase(dir, stem));
}

/**
 * Creates a cross-signed copy of the CA `ca`: same subject and key, but issued by
 * `issuer`, like the cross-signed roots that CAs add to chains for old clients.
 */
export function crossSignCa(dir: string, ca: TestCertificate, issuer: TestCertificate, options: Partial<CertificateOptions> = {}): TestCertificate {
  const stem = uniqueStem(dir, options.fileStem ?? `${fileStemFor(ca.commonName)}-cross`);
  const certPath = join(dir, `${stem}.pem`);

  signRequest({
    databaseDir: requireCaDatabase(issuer),
    requestPath: createRequest(dir, stem, ca.keyPath, ca.commonName),
    signerKeyPath: issuer.keyPath,
    signerCertPath: issuer.certPath,
    certPath,
    notBefore: options.notBefore ?? daysFromNow(-1),
    notAfter: options.notAfter ?? daysFromNow(3650),
    extensions: caExtensions(true),
  });

  return loadTestCertificate(ca.commonName, certPath, ca.keyPath);
}

/** Creates a TLS server certificate signed by `issuer`. */
export function issueLeafCertificate(dir: string, issuer: TestCertificate, options: CertificateOptions): TestCertificate {
  const stem = uniqueStem(dir, options.fileStem ?? fileStemFor(options.commonName));
  const keyPath = generateKey(dir, stem, options.keyAlgorithm ?? 'ec');
  const certPath = join(dir, `${stem}.pem`);

  signRequest({
    databaseDir: requireCaDatabase(issuer),
    requestPath: createRequest(dir, stem, keyPath, options.commonName),
    signerKeyPath: issuer.keyPath,
    signerCertPath: issuer.certPath,
    certPath,
    notBefore: options.notBefore ?? daysFromNow(-1),
    notAfter: options.notAfter ?? daysFromNow(90),
    extensions: leafExtensions(options.dnsNames ?? [options.commonName]),
  });

  return loadTestCertificate(options.commonName, certPath, keyPath);
}

/** Creates a self-signed TLS server certificate, as `openssl req -x509` users make for internal hosts. */
export function createSelfSignedLeaf(dir: string, options: CertificateOptions): TestCertificate {
  const stem = uniqueStem(dir, options.fileStem ?? fileStemFor(options.commonName));
  const keyPath = generateKey(dir, stem, options.keyAlgorithm ?? 'ec');
  const certPath = join(dir, `${stem}.pem`);

  signRequest({
    databaseDir: createCaDatabase(dir, `${stem}-self`),
    requestPath: createRequest(dir, stem, keyPath, options.commonName),
    signerKeyPath: keyPath,
    certPath,
    notBefore: options.notBefore ?? daysFromNow(-1),
    notAfter: options.notAfter ?? daysFromNow(90),
    extensions: leafExtensions(options.dnsNames ?? [options.commonName]),
  });

  return loadTestCertificate(options.commonName, certPath, keyPath);
}

/**
 * Generates a private key without a certificate, e.g. "the key from an earlier CSR".
 * `rsaBits` sets the size of an RSA key, to make one that is too small.
 */
export function generateStandaloneKey(dir: string, stem: string, algorithm: KeyAlgorithm, rsaBits = 2048): TestKey {
  const keyPath = generateKey(dir, uniqueStem(dir, stem, ['.key']), algorithm, rsaBits);
  return { keyPath, keyPem: readFileSync(keyPath, 'utf8') };
}

export interface TestKey {
  keyPath: string;
  keyPem: string;
}

/**
 * Private key encodings: PKCS#8, or "traditional" (PKCS#1 for RSA keys, SEC1 for EC
 * keys, as OpenSSL names them), each as PEM or DER.
 */
export type KeyEncoding = 'pkcs8' | 'traditional' | 'pkcs8-der' | 'traditional-der';

/** Writes `keyPath` again in another encoding and returns `outPath`. */
export function convertKey(keyPath: string, encoding: KeyEncoding, outPath: string): string {
  if (encoding === 'pkcs8') {
    runOpenssl(['pkey', '-in', keyPath, '-out', outPath]);
  } else if (encoding === 'traditional') {
    runOpenssl(['pkey', '-in', keyPath, '-traditional', '-out', outPath]);
  } else if (encoding === 'pkcs8-der') {
    runOpenssl(['pkcs8', '-topk8', '-nocrypt', '-in', keyPath, '-outform', 'DER', '-out', outPath]);
  } else {
    // `openssl pkey -outform DER` writes the traditional structure in OpenSSL 3.0.
    runOpenssl(['pkey', '-in', keyPath, '-outform', 'DER', '-out', outPath]);
  }
  return outPath;
}

/**
 * Writes `keyPath` encrypted with `passphrase` and returns `outPath`. 'pkcs8' makes an
 * ENCRYPTED PRIVATE KEY block (AES-256-CBC), 'legacy' the traditional form with
 * Proc-Type and DEK-Info headers, and 'pkcs8-der' the DER form of the first.
 */
export function encryptKey(
  keyPath: string,
  passphrase: string,
  style: 'pkcs8' | 'legacy' | 'pkcs8-der',
  outPath: string,
): string {
  const passArgument = `pass:${passphrase}`;

  if (style === 'legacy') {
    runOpenssl(['pkey', '-in', keyPath, '-traditional', '-aes256', '-passout', passArgument, '-out', outPath]);
  } else {
    const outform = style === 'pkcs8-der' ? ['-outform', 'DER'] : [];
    runOpenssl(['pkcs8', '-topk8', '-in', keyPath, '-v2', 'aes-256-cbc', '-passout', passArgument, ...outform, '-out', outPath]);
  }
  return outPath;
}

/** Writes every certificate in `certPath` as one PEM PKCS#7 bundle, like a .p7b file from a CA. */
export function certificatesToPkcs7(certPath: string, outPath: string): string {
  runOpenssl(['crl2pkcs7', '-nocrl', '-certfile', certPath, '-out', outPath]);
  return outPath;
}

/** Writes the DER form of the first certificate in `certPath`. */
export function certificateToDer(certPath: string, outPath: string): string {
  runOpenssl(['x509', '-in', certPath, '-outform', 'DER', '-out', outPath]);
  return outPath;
}

/** Writes `content` to `dir/name` and returns the path. */
export function writeTestFile(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function generateKey(dir: string, stem: string, algorithm: KeyAlgorithm, rsaBits = 2048): string {
  const keyPath = join(dir, `${stem}.key`);
  const algorithmArgs =
    algorithm === 'rsa'
      ? ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${rsaBits}`]
      : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  runOpenssl(['genpkey', ...algorithmArgs, '-out', keyPath]);
  return keyPath;
}

function createRequest(dir: string, stem: string, keyPath: string, commonName: string): string {
  const requestPath = join(dir, `${stem}.csr`);
  runOpenssl(['req', '-new', '-key', keyPath, '-subj', `/CN=${commonName}`, '-out', requestPath]);
  return requestPath;
}

interface SignRequest {
  databaseDir: string;
  requestPath: string;
  signerKeyPath: string;
  /** Absent for a self-signed certificate. */
  signerCertPath?: string;
  certPath: string;
  notBefore: Date;
  notAfter: Date;
  extensions: string;
}

function signRequest(request: SignRequest): void {
  const configPath = join(request.databaseDir, 'ca.cnf');
  const extensionsPath = join(request.databaseDir, 'extensions.cnf');
  writeFileSync(extensionsPath, `[ certificate_extensions ]\n${request.extensions}`);

  const signer = request.signerCertPath ? ['-cert', request.signerCertPath] : ['-selfsign'];
  runOpenssl([
    'ca',
    '-config', configPath,
    '-batch',
    '-notext',
    ...signer,
    '-keyfile', request.signerKeyPath,
    '-in', request.requestPath,
    '-out', request.certPath,
    '-startdate', formatOpensslTime(request.notBefore),
    '-enddate', formatOpensslTime(request.notAfter),
    '-extfile', extensionsPath,
    '-extensions', 'certificate_extensions',
  ]);
}

function createCaDatabase(dir: string, stem: string): string {
  const databaseDir = join(dir, `${stem}.ca-db`);
  mkdirSync(databaseDir, { recursive: true });
  writeFileSync(join(databaseDir, 'index.txt'), '');
  writeFileSync(
    join(databaseDir, 'ca.cnf'),
    [
      '[ ca ]',
      'default_ca = test_ca',
      '[ test_ca ]',
      `database = ${join(databaseDir, 'index.txt')}`,
      `new_certs_dir = ${databaseDir}`,
      'rand_serial = yes',
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      'email_in_dn = no',
      '[ policy_any ]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  return databaseDir;
}

function requireCaDatabase(issuer: TestCertificate): string {
  if (!issuer.caDatabaseDir) {
    throw new Error(`${issuer.commonName} is not a CA made by cert-factory, so it cannot sign certificates`);
  }
  return issuer.caDatabaseDir;
}

function caExtensions(isCa: boolean): string {
  return [
    isCa ? 'basicConstraints = critical,CA:TRUE' : 'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
    '',
  ].join('\n');
}

function leafExtensions(dnsNames: string[]): string {
  const lines = [
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
  ];
  if (dnsNames.length > 0) {
    lines.push(`subjectAltName = ${dnsNames.map((name) => `DNS:${name}`).join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

function loadTestCertificate(
  commonName: string,
  certPath: string,
  keyPath: string,
  caDatabaseDir?: string,
): TestCertificate {
  return {
    commonName,
    certPath,
    certPem: readFileSync(certPath, 'utf8'),
    keyPath,
    keyPem: readFileSync(keyPath, 'utf8'),
    caDatabaseDir,
  };
}

/** Formats a date as the GeneralizedTime that `openssl ca -startdate` accepts (YYYYMMDDHHMMSSZ). */
function formatOpensslTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;
}

export function daysFromNow(days: number, now: Date = new Date()): Date {
  return new Date(now.getTime() + days * DAY_MS);
}

function fileStemFor(name: string): string {
  return name.toLowerCase().replace(/^\*/, 'wildcard').replace(/[^a-z0-9.-]+/g, '-');
}

/** Returns `stem`, or `stem-2`, `stem-3`... when files named `stem` + a suffix already exist in `dir`. */
function uniqueStem(dir: string, stem: string, suffixes: string[] = ['.pem', '.key']): string {
  const isTaken = (candidate: string): boolean => suffixes.some((suffix) => existsSync(join(dir, `${candidate}${suffix}`)));
  let candidate = stem;
  for (let counter = 2; isTaken(candidate); counter += 1) {
    candidate = `${stem}-${counter}`;
  }
  return candidate;
}

function runOpenssl(args: string[]): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(error)}`, { cause: error });
  }
}
