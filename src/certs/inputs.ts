/**
 * Reads the `--cert` and `--key` files and decides which certificates and which key
 * to use. One file may contain both (pass it as both `--cert` and `--key`), and files
 * given the wrong way round are detected and named.
 */
import type { X509Certificate } from 'node:crypto';
import { resolve } from 'node:path';
import { describeCertificate } from './describe.js';
import { CertificateCheckError, type CertificateProblem } from './problems.js';
import { readCertificateFile, type CertificateFileContents, type KeySource, type OtherBlock } from './read.js';

export interface CertificateInputs {
  /** Every distinct certificate from both files, cert file first, in file order. */
  certificates: X509Certificate[];
  key: KeySource;
  repairs: string[];
}

/** Description of a PEM block that users pass by mistake, with a conversion command when one exists. */
interface MistakenBlock {
  description: string;
  fix?: string;
}

const CSR_BLOCK: MistakenBlock = { description: 'a certificate signing request (CSR), not a certificate' };
const PUBLIC_KEY_BLOCK: MistakenBlock = { description: 'a public key, not a private key' };

/** Mistaken blocks keyed by PEM label. */
const MISTAKEN_BLOCKS: Record<string, MistakenBlock> = {
  'CERTIFICATE REQUEST': CSR_BLOCK,
  'NEW CERTIFICATE REQUEST': CSR_BLOCK,
  PKCS7: { description: 'a PKCS#7 bundle', fix: 'Convert the PKCS#7 bundle with `openssl pkcs7 -in FILE -print_certs -out cert.pem`.' },
  'PUBLIC KEY': PUBLIC_KEY_BLOCK,
  'RSA PUBLIC KEY': PUBLIC_KEY_BLOCK,
  'OPENSSH PRIVATE KEY': { description: 'an OpenSSH private key for SSH logins, not a TLS key' },
  'DSA PRIVATE KEY': {
    description: 'a DSA key, which TLS 1.3 and current browsers do not accept',
    fix: 'Generate an RSA or EC key and request a new certificate for it.',
  },
  'X509 CRL': { description: 'a certificate revocation list' },
};

/**
 * Reads both files and returns the certificates and the key to check. Throws
 * CertificateCheckError when a file cannot be read, the files are swapped, the cert
 * file has no certificate, or the key file has no key or more than one.
 */
export async function readCertificateInputs(certPath: string, keyPath: string): Promise<CertificateInputs> {
  const sameFile = resolve(certPath) === resolve(keyPath);
  const [certFile, keyFile] = await readBoth(certPath, sameFile ? undefined : keyPath);
  const problems = roleProblems(certFile, keyFile, sameFile);
  if (problems.length > 0) throw new CertificateCheckError(problems);

  const repairs = sameFile ? [...certFile.repairs] : [...certFile.repairs, ...keyFile.repairs];
  if (sameFile) {
    repairs.push(`${certPath}: split the file into ${certFile.certificates.length} certificate(s) and the private key`);
  } else {
    if (certFile.keys.length > 0) {
      repairs.push(`${certPath}: ignored the private key in the certificate file, because --key names ${keyPath}`);
    }
    if (keyFile.certificates.length > 0) {
      repairs.push(`${keyPath}: took ${keyFile.certificates.length} certificate(s) from the key file as well`);
    }
  }
  for (const file of sameFile ? [certFile] : [certFile, keyFile]) {
    repairs.push(...ignoredBlockRepairs(file));
  }

  const pool = sameFile ? certFile.certificates : [...certFile.certificates, ...keyFile.certificates];
  const certificates = removeDuplicates(pool, certPath, repairs);
  return { certificates, key: keyFile.keys[0] as KeySource, repairs };
}

/** Reads the cert file and, unless `keyPath` is undefined because it is the same file, the key file. */
async function readBoth(certPath: string, keyPath: string | undefined): Promise<[CertificateFileContents, CertificateFileContents]> {
  const reads = keyPath === undefined ? [readCertificateFile(certPath)] : [readCertificateFile(certPath), readCertificateFile(keyPath)];
  const results = await Promise.allSettled(reads);
  const problems: CertificateProblem[] = [];

  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    if (!(result.reason instanceof CertificateCheckError)) throw result.reason;
    problems.push(...result.reason.problems);
  }
  if (problems.length > 0) throw new CertificateCheckError(problems);

  const values = results.map((result) => (result as PromiseFulfilledResult<CertificateFileContents>).value);
  const certFile = values[0] as CertificateFileContents;
  return [certFile, values[1] ?? certFile];
}

function roleProblems(certFile: CertificateFileContents, keyFile: CertificateFileContents, sameFile: boolean): CertificateProblem[] {
  const certPath = certFile.path;
  const keyPath = keyFile.path;
  const certHasOnlyKeys = certFile.certificates.length === 0 && certFile.keys.length > 0;
  const keyHasOnlyCertificates = keyFile.keys.length === 0 && keyFile.certificates.length > 0;

  if (!sameFile && certHasOnlyKeys && keyHasOnlyCertificates) {
    return [{
      kind: 'files-swapped',
      file: certPath,
      reason: `--cert ${certPath} contains a private key and --key ${keyPath} contains a certificate, so the files are the wrong way round.`,
      hint: `Swap them: --cert ${keyPath} --key ${certPath}.`,
    }];
  }

  const problems: CertificateProblem[] = [];
  if (certFile.certificates.length === 0) {
    problems.push({
      kind: 'no-certificate',
      file: certPath,
      reason: `the --cert file contains no certificate${foundInstead(certFile)}.`,
      hint: withFixes('Pass the certificate your CA issued (often cert.pem, fullchain.pem or a .crt file) with --cert.', certFile),
    });
  }
  if (keyFile.keys.length === 0) {
    problems.push({
      kind: 'no-private-key',
      file: keyPath,
      reason: `the --key file contains no private key${foundInstead(keyFile)}.`,
      hint: withFixes(
        'Pass the private key that was generated with the certificate signing request (often privkey.pem or a .key file) with --key.',
        keyFile,
      ),
    });
  } else if (keyFile.keys.length > 1) {
    problems.push({
      kind: 'several-keys',
      file: keyPath,
      reason: `the --key file contains ${keyFile.keys.length} private keys, so it is unclear which one to deploy.`,
      hint: 'Keep only the key that belongs to the certificate.',
    });
  }
  return problems;
}

/** Returns a note listing what a file contains instead of the expected content, e.g. " (found: a private key)". */
function foundInstead(file: CertificateFileContents): string {
  const found: string[] = [];
  if (file.certificates.length > 0) found.push(`${file.certificates.length} certificate(s)`);
  if (file.keys.length > 0) found.push('a private key');
  for (const block of file.otherBlocks) found.push(describeOtherBlock(block));
  return found.length > 0 ? ` (found: ${found.join('; ')})` : '';
}

function ignoredBlockRepairs(file: CertificateFileContents): string[] {
  return file.otherBlocks.map((block) => `${file.path}: ignored ${describeOtherBlock(block)}`);
}

function describeOtherBlock(block: OtherBlock): string {
  const known = MISTAKEN_BLOCKS[block.label];
  return `the "${block.label}" block at line ${block.line}${known ? `, ${known.description}` : ''}`;
}

/** Appends the conversion advice for each mistaken block in `file` to `hint`. */
function withFixes(hint: string, file: CertificateFileContents): string {
  const fixes = file.otherBlocks.map((block) => MISTAKEN_BLOCKS[block.label]?.fix).filter((fix) => fix !== undefined);
  return [hint, ...new Set(fixes)].join(' ');
}

function removeDuplicates(certificates: X509Certificate[], file: string, repairs: string[]): X509Certificate[] {
  const seen = new Set<string>();
  const distinct: X509Certificate[] = [];
  for (const certificate of certificates) {
    if (seen.has(certificate.fingerprint256)) {
      repairs.push(`${file}: dropped a duplicate of ${describeCertificate(certificate)}`);
      continue;
    }
    seen.add(certificate.fingerprint256);
    distinct.push(certificate);
  }
  return distinct;
}
