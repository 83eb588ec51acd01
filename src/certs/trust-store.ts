/**
 * The trust store the chain must end in: the operating system's CA bundle, the roots
 * built into node, and any `--ca` files. The system bundle matters because private
 * and enterprise CAs are installed there (update-ca-certificates, update-ca-trust).
 * Node's built-in list (`tls.rootCertificates`) is a snapshot of the Mozilla CA store
 * taken when that node version was released, per the node documentation.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { parsePemBlocks } from './pem.js';
import { CertificateCheckError, type CertificateProblem } from './problems.js';
import { readCertificateFile } from './read.js';

/** A trusted certificate and where it came from: a file path or "node's built-in roots". */
export interface TrustAnchor {
  certificate: X509Certificate;
  source: string;
}

export interface TrustStore {
  /** `--ca` certificates first, then the system bundle, then node's roots, without duplicates. */
  anchors: TrustAnchor[];
  /** Every source that contributed, in the order above, for messages. */
  sources: string[];
  /** Path of the system CA bundle that was read, if one was found. */
  systemBundle?: string;
  repairs: string[];
  warnings: string[];
}

export interface LoadTrustStoreOptions {
  /** Extra trusted CA files, as given with `--ca`. */
  caPaths?: readonly string[];
  /** System bundle candidates, of which the first readable one is used. Defaults to `defaultSystemBundlePaths()`. */
  systemBundlePaths?: readonly string[];
  /** Whether to add node's built-in roots. Defaults to true. */
  includeNodeRoots?: boolean;
}

/**
 * System CA bundle locations, from Go's crypto/x509/root_linux.go: Debian and Ubuntu,
 * Fedora and RHEL 6, openSUSE, OpenELEC, CentOS and RHEL 7 and later, Alpine.
 */
export const SYSTEM_CA_BUNDLE_PATHS: readonly string[] = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

export const NODE_ROOTS_SOURCE = "node's built-in roots";

/** Returns the system bundle candidates: `SSL_CERT_FILE` first when set (the OpenSSL convention), then the known paths. */
export function defaultSystemBundlePaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env.SSL_CERT_FILE;
  return fromEnv ? [fromEnv, ...SYSTEM_CA_BUNDLE_PATHS] : [...SYSTEM_CA_BUNDLE_PATHS];
}

/**
 * Loads the trust store. The system bundle is read leniently, skipping blocks that do
 * not parse, and its absence is a warning. `--ca` files are read strictly: a missing,
 * unreadable or certificate-free `--ca` file throws CertificateCheckError.
 */
export async function loadTrustStore(options: LoadTrustStoreOptions = {}): Promise<TrustStore> {
  const store: TrustStore = { anchors: [], sources: [], repairs: [], warnings: [] };
  const seen = new Set<string>();
  const add = (certificate: X509Certificate, source: string): void => {
    if (seen.has(certificate.fingerprint256)) return;
    seen.add(certificate.fingerprint256);
    store.anchors.push({ certificate, source });
  };

  const caFiles = await readCaFiles(options.caPaths ?? []);
  for (const anchor of caFiles.anchors) add(anchor.certificate, anchor.source);
  store.sources.push(...(options.caPaths ?? []));
  store.repairs.push(...caFiles.repairs);

  const bundlePaths = options.systemBundlePaths ?? defaultSystemBundlePaths();
  const bundle = await readFirstSystemBundle(bundlePaths);
  if (bundle) {
    store.systemBundle = bundle.path;
    store.sources.push(bundle.path);
    for (const certificate of bundle.certificates) add(certificate, bundle.path);
  } else if (bundlePaths.length > 0) {
    store.warnings.push(`no system CA bundle was found (looked for ${bundlePaths.join(', ')}); only node's built-in roots and --ca files are trusted`);
  }

  if (options.includeNodeRoots ?? true) {
    store.sources.push(NODE_ROOTS_SOURCE);
    for (const pem of rootCertificates) add(new X509Certificate(pem), NODE_ROOTS_SOURCE);
  }
  return store;
}

/** Returns the trusted certificate that issued and signed `certificate`, if any. */
export function findTrustedIssuer(store: TrustStore, certificate: X509Certificate): TrustAnchor | undefined {
  return store.anchors.find((anchor) => isIssuedBy(certificate, anchor.certificate));
}

/** Returns the trust anchor that is `certificate` itself, if any. */
export function findTrustedCertificate(store: TrustStore, certificate: X509Certificate): TrustAnchor | undefined {
  return store.anchors.find((anchor) => anchor.certificate.fingerprint256 === certificate.fingerprint256);
}

/**
 * Returns whether `issuer` issued `certificate`: the names match and the issuer's
 * public key verifies the signature. The name test accepts either OpenSSL's
 * X509_check_issued or equal printed names, because X509_check_issued also rejects an
 * issuer whose keyUsage lacks keyCertSign, which self-signed leaf certificates often do.
 */
export function isIssuedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
  const namesMatch = certificate.issuer === issuer.subject || certificate.checkIssued(issuer);
  if (!namesMatch) return false;
  try {
    return certificate.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Returns whether `certificate` is self-signed: issued by itself and verified with its own key. */
export function isSelfSigned(certificate: X509Certificate): boolean {
  return isIssuedBy(certificate, certificate);
}

async function readCaFiles(caPaths: readonly string[]): Promise<{ anchors: TrustAnchor[]; repairs: string[] }> {
  const anchors: TrustAnchor[] = [];
  const repairs: string[] = [];
  const problems: CertificateProblem[] = [];

  for (const path of caPaths) {
    try {
      const contents = await readCertificateFile(path);
      if (contents.certificates.length === 0) {
        problems.push({
          kind: 'no-certificate',
          file: path,
          reason: 'the --ca file contains no certificate.',
          hint: 'Pass the PEM or DER file of the root CA certificate.',
        });
      }
      for (const certificate of contents.certificates) anchors.push({ certificate, source: path });
      repairs.push(...contents.repairs);
    } catch (error) {
      if (!(error instanceof CertificateCheckError)) throw error;
      problems.push(...error.problems);
    }
  }

  if (problems.length > 0) throw new CertificateCheckError(problems);
  return { anchors, repairs };
}

async function readFirstSystemBundle(paths: readonly string[]): Promise<{ path: string; certificates: X509Certificate[] } | undefined> {
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    return { path, certificates: parseBundleLeniently(text) };
  }
  return undefined;
}

function parseBundleLeniently(text: string): X509Certificate[] {
  let blocks;
  try {
    blocks = parsePemBlocks(text.replace(/\r\n?/g, '\n')).blocks;
  } catch {
    return [];
  }

  const certificates: X509Certificate[] = [];
  for (const block of blocks) {
    if (block.label !== 'CERTIFICATE' && block.label !== 'TRUSTED CERTIFICATE') continue;
    try {
      certificates.push(new X509Certificate(block.der));
    } catch {
      // A block that does not parse cannot anchor a chain, so skipping it changes nothing.
    }
  }
  return certificates;
}
