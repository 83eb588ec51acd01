/**
 * Loads the private key: PKCS#8, PKCS#1 RSA or SEC1 EC, in PEM or DER, encrypted or
 * not. An encrypted key is decrypted in memory with the caller's passphrase, because
 * the TLS service on the host cannot answer a passphrase prompt. So the key PEM this
 * module returns is always unencrypted. No message here contains key bytes or the passphrase.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { encodePem } from './pem.js';
import { CertificateCheckError, type CertificateProblem } from './problems.js';
import type { KeySource } from './read.js';

/** DER private key structures that node's createPrivateKey accepts. */
export type DerKeyFormat = 'pkcs8' | 'pkcs1' | 'sec1' | 'encrypted-pkcs8';

export interface LoadedPrivateKey {
  keyObject: KeyObject;
  /** Unencrypted PEM with LF endings and a final newline: the bytes to upload. */
  pem: string;
  /** Algorithm and size, e.g. "RSA 2048-bit" or "EC prime256v1". */
  description: string;
  encrypted: boolean;
  repairs: string[];
  warnings: string[];
}

/** Name of the environment variable that carries the key passphrase, used in messages. */
export const KEY_PASSPHRASE_VARIABLE = 'CERTFLEET_KEY_PASSPHRASE';

const MIN_RSA_BITS = 2048;

/**
 * Returns the structure of a DER private key, or undefined when `der` is not one.
 * OpenSSL 3 decoders treat the type as a hint, so the first structure that parses wins.
 */
export function detectDerKeyFormat(der: Buffer): DerKeyFormat | undefined {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return type;
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_MISSING_PASSPHRASE') return 'encrypted-pkcs8';
    }
  }
  return undefined;
}

/**
 * Parses `source` into a key object and its unencrypted PEM. An unencrypted PEM key
 * keeps its structure and label, and a decrypted or DER key is written as PKCS#8 PEM.
 * Throws CertificateCheckError for an encrypted key without a passphrase, a wrong
 * passphrase, or bytes that are not a key.
 */
export function loadPrivateKey(source: KeySource, passphrase?: string): LoadedPrivateKey {
  const encrypted = isEncrypted(source);
  const usablePassphrase = passphrase === '' ? undefined : passphrase;

  if (encrypted && usablePassphrase === undefined) {
    throw keyProblem('encrypted-key', source.file, `the private key is encrypted (${describeSource(source)}) and ${KEY_PASSPHRASE_VARIABLE} is not set.`,
      `Set ${KEY_PASSPHRASE_VARIABLE} to its passphrase, so that certfleet decrypts it in memory and uploads it unencrypted (a service cannot answer a passphrase prompt), or decrypt it yourself with \`openssl pkey -in ${source.file} -out PLAIN.key\`.`);
  }

  const keyObject = encrypted ? decryptKey(source, usablePassphrase ?? '') : parseKey(source);
  const repairs: string[] = [];
  const warnings: string[] = [];
  let pem: string;

  if (encrypted) {
    pem = exportPkcs8(keyObject);
    repairs.push(`${source.file}: decrypted the private key in memory with ${KEY_PASSPHRASE_VARIABLE}; the uploaded key is unencrypted PKCS#8`);
  } else if (source.encoding === 'pem') {
    pem = encodePem(source.block.label, source.block.der);
  } else {
    pem = exportPkcs8(keyObject);
    repairs.push(`${source.file}: converted the DER private key to PKCS#8 PEM`);
  }

  if (!encrypted && usablePassphrase !== undefined) {
    warnings.push(`${source.file}: ${KEY_PASSPHRASE_VARIABLE} is set but the private key is not encrypted, so the passphrase was not used`);
  }

  const rsaBits = keyObject.asymmetricKeyType === 'rsa' ? keyObject.asymmetricKeyDetails?.modulusLength : undefined;
  if (rsaBits !== undefined && rsaBits < MIN_RSA_BITS) {
    warnings.push(
      `${source.file}: the RSA key has only ${rsaBits} bits, which OpenSSL at security level 2 rejects ("ee key too small"), so replace it with a key of at least ${MIN_RSA_BITS} bits`,
    );
  }

  return { keyObject, pem, description: describeKey(keyObject), encrypted, repairs, warnings };
}

/** Describes a key's algorithm and size, e.g. "RSA 2048-bit", "EC prime256v1" or "ED25519". */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return `${key.asymmetricKeyType.toUpperCase()} ${details?.modulusLength ?? '?'}-bit`;
    case 'ec':
      return `EC ${details?.namedCurve ?? 'unknown curve'}`;
    default:
      return (key.asymmetricKeyType ?? 'unknown').toUpperCase();
  }
}

function isEncrypted(source: KeySource): boolean {
  if (source.encoding === 'der') return source.format === 'encrypted-pkcs8';
  return source.block.label === 'ENCRYPTED PRIVATE KEY' || (source.block.headers['Proc-Type'] ?? '').includes('ENCRYPTED');
}

function parseKey(source: KeySource): KeyObject {
  try {
    if (source.encoding === 'pem') {
      return createPrivateKey({ key: encodePem(source.block.label, source.block.der), format: 'pem' });
    }
    return createPrivateKey({ key: source.der, format: 'der', type: derType(source.format) });
  } catch (error) {
    throw keyProblem('invalid-key', source.file, `the ${describeSource(source)} could not be parsed (${errorCode(error)}).`,
      'The file may be truncated or edited, so use the key file that was generated with the certificate signing request.');
  }
}

function decryptKey(source: KeySource, passphrase: string): KeyObject {
  try {
    if (source.encoding === 'pem') {
      const text = encodePem(source.block.label, source.block.der, source.block.headers);
      return createPrivateKey({ key: text, format: 'pem', passphrase });
    }
    return createPrivateKey({ key: source.der, format: 'der', type: 'pkcs8', passphrase });
  } catch (error) {
    // The cause is left out on purpose: it is an OpenSSL error about the key material.
    throw keyProblem('wrong-passphrase', source.file, `${KEY_PASSPHRASE_VARIABLE} did not decrypt the private key (${errorCode(error)}).`,
      `Check the passphrase in ${KEY_PASSPHRASE_VARIABLE}, and that this is the key it belongs to.`);
  }
}

function exportPkcs8(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function derType(format: DerKeyFormat): 'pkcs8' | 'pkcs1' | 'sec1' {
  return format === 'encrypted-pkcs8' ? 'pkcs8' : format;
}

function describeSource(source: KeySource): string {
  if (source.encoding === 'der') {
    return source.format === 'encrypted-pkcs8' ? 'DER encrypted PKCS#8 key' : `DER ${source.format.toUpperCase()} key`;
  }
  const legacyEncrypted = (source.block.headers['Proc-Type'] ?? '').includes('ENCRYPTED');
  const cipher = source.block.headers['DEK-Info']?.split(',')[0];
  if (legacyEncrypted) return `PEM "${source.block.label}" with ${cipher ?? 'an unknown cipher'}`;
  return `PEM "${source.block.label}" block at line ${source.block.line}`;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'unknown error';
}

function keyProblem(kind: CertificateProblem['kind'], file: string, reason: string, hint: string): CertificateCheckError {
  return new CertificateCheckError([{ kind, file, reason, hint }]);
}
