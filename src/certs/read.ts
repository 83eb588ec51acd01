/**
 * Reads a certificate, key or CA file in PEM or DER and sorts its contents into
 * certificates, private keys and other blocks. Input that differs from canonical PEM
 * (a UTF-8 byte order mark, CRLF line endings, a missing final newline, DER) is
 * accepted, and each such difference is reported as a repair.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { detectDerKeyFormat, type DerKeyFormat } from './key.js';
import { CertificateCheckError, type CertificateProblem } from './problems.js';
import { parsePemBlocks, PemSyntaxError, type PemBlock } from './pem.js';

/** A private key as found in a file, not yet parsed or decrypted. */
export type KeySource =
  | { encoding: 'pem'; block: PemBlock; file: string }
  | { encoding: 'der'; der: Buffer; format: DerKeyFormat; file: string };

/** A PEM block that is neither a certificate nor a private key, e.g. a CSR. */
export interface OtherBlock {
  label: string;
  line: number;
}

export interface CertificateFileContents {
  /** The path as the caller gave it, used in every message. */
  path: string;
  encoding: 'pem' | 'der';
  /** Certificates in file order. */
  certificates: X509Certificate[];
  keys: KeySource[];
  otherBlocks: OtherBlock[];
  /** Normalisations made while reading, one line each, prefixed with the path. */
  repairs: string[];
}

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const PRIVATE_KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
const ASN1_SEQUENCE_TAG = 0x30;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Reads `path` and returns its certificates, keys and other blocks.
 * Throws CertificateCheckError when the file cannot be read, is empty, is neither PEM
 * nor DER, or contains a PEM block or certificate that cannot be parsed.
 */
export async function readCertificateFile(path: string): Promise<CertificateFileContents> {
  const bytes = await readFileBytes(path);
  return parseCertificateFile(path, bytes);
}

/** Parses the bytes of a certificate, key or CA file, as readCertificateFile does. */
export function parseCertificateFile(path: string, bytes: Buffer): CertificateFileContents {
  if (bytes.length === 0) {
    throw problem('file-empty', path, 'the file is empty.', 'Pass the file that contains the certificate or key.');
  }
  if (isUtf16(bytes)) {
    throw problem(
      'unsupported-encoding',
      path,
      'the file is UTF-16 text.',
      'Save it as ASCII or UTF-8 (PEM is plain ASCII), for example with `iconv -f UTF-16 -t UTF-8`.',
    );
  }

  const repairs: string[] = [];
  let text = bytes.toString('utf8');
  if (bytes.subarray(0, UTF8_BOM.length).equals(UTF8_BOM)) {
    text = text.slice(1);
    repairs.push(`${path}: removed the UTF-8 byte order mark`);
  }

  if (text.includes('-----BEGIN ')) {
    return parsePemFile(path, text, repairs);
  }
  if (bytes[0] === ASN1_SEQUENCE_TAG) {
    return parseDerFile(path, bytes, repairs);
  }
  throw problem(
    'unsupported-encoding',
    path,
    'the file is neither PEM (no "-----BEGIN" line) nor DER.',
    'Pass a PEM or DER certificate or key. For a PKCS#12 file (.pfx, .p12), extract the parts with `openssl pkcs12 -in FILE -nodes`.',
  );
}

function parsePemFile(path: string, rawText: string, repairs: string[]): CertificateFileContents {
  let text = rawText;
  if (text.includes('\r')) {
    text = text.replace(/\r\n?/g, '\n');
    repairs.push(`${path}: converted CRLF line endings to LF`);
  }
  if (!text.endsWith('\n')) {
    repairs.push(`${path}: added the missing final newline`);
  }

  let parsed;
  try {
    parsed = parsePemBlocks(text);
  } catch (error) {
    if (!(error instanceof PemSyntaxError)) throw error;
    throw problem('invalid-pem', path, `${error.message}.`, 'Copy the file again from its source, whole.');
  }

  if (parsed.linesOutsideBlocks > 0) {
    repairs.push(`${path}: ignored ${parsed.linesOutsideBlocks} line(s) of text outside the PEM blocks`);
  }

  const contents: CertificateFileContents = { path, encoding: 'pem', certificates: [], keys: [], otherBlocks: [], repairs };
  for (const block of parsed.blocks) {
    sortBlock(contents, block);
  }
  return contents;
}

function sortBlock(contents: CertificateFileContents, block: PemBlock): void {
  const { path } = contents;

  if (CERTIFICATE_LABELS.has(block.label)) {
    contents.certificates.push(parseCertificate(path, block.der, `the certificate at line ${block.line}`));
    if (block.label === 'TRUSTED CERTIFICATE') {
      contents.repairs.push(
        `${path}: read the TRUSTED CERTIFICATE block at line ${block.line} as a plain certificate, without its OpenSSL trust settings`,
      );
    }
  } else if (PRIVATE_KEY_LABELS.has(block.label)) {
    contents.keys.push({ encoding: 'pem', block, file: path });
  } else if (block.label === 'EC PARAMETERS') {
    // `openssl ecparam -genkey` writes this block before the key. The key names its curve itself.
    contents.repairs.push(`${path}: dropped the EC PARAMETERS block at line ${block.line}, which the EC key does not need`);
  } else {
    contents.otherBlocks.push({ label: block.label, line: block.line });
  }
}

/** Reads a DER file, which contains exactly one certificate or one private key. */
function parseDerFile(path: string, bytes: Buffer, repairs: string[]): CertificateFileContents {
  const contents: CertificateFileContents = { path, encoding: 'der', certificates: [], keys: [], otherBlocks: [], repairs };

  const certificate = tryParseCertificate(bytes);
  if (certificate) {
    contents.certificates.push(certificate);
    repairs.push(`${path}: converted the DER certificate to PEM`);
    return contents;
  }

  const format = detectDerKeyFormat(bytes);
  if (format) {
    contents.keys.push({ encoding: 'der', der: bytes, format, file: path });
    return contents;
  }

  throw problem(
    'unsupported-encoding',
    path,
    'the file is DER but neither an X.509 certificate nor a private key.',
    'For a PKCS#12 file (.pfx, .p12), extract the certificate and key with `openssl pkcs12 -in FILE -nodes`; for PKCS#7 (.p7b), use `openssl pkcs7 -inform DER -in FILE -print_certs`.',
  );
}

function parseCertificate(path: string, der: Buffer, description: string): X509Certificate {
  const certificate = tryParseCertificate(der);
  if (!certificate) {
    throw problem(
      'invalid-certificate',
      path,
      `${description} could not be parsed as X.509.`,
      'The file may be truncated or edited, so download the certificate again from your CA.',
    );
  }
  return certificate;
}

function tryParseCertificate(der: Buffer): X509Certificate | undefined {
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

async function readFileBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw problem('file-unreadable', path, 'the file was not found.', 'Check the path.');
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw problem('file-unreadable', path, 'permission to read the file was denied.', 'Run as a user who can read it, or change its permissions.');
    }
    if (code === 'EISDIR') {
      throw problem('file-unreadable', path, 'the path is a directory, not a file.', 'Pass the certificate or key file inside it.');
    }
    throw problem('file-unreadable', path, `the file could not be read (${code ?? String(error)}).`, 'Check the path and its permissions.');
  }
}

function isUtf16(bytes: Buffer): boolean {
  const first = bytes[0];
  const second = bytes[1];
  return (first === 0xff && second === 0xfe) || (first === 0xfe && second === 0xff);
}

function problem(kind: CertificateProblem['kind'], file: string, reason: string, hint: string): CertificateCheckError {
  return new CertificateCheckError([{ kind, file, reason, hint }]);
}
