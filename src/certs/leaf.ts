/** Finds the leaf certificate: the certificate whose public key matches the private key. */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { describeCertificate } from './describe.js';
import { CertificateCheckError } from './problems.js';
import { isIssuedBy } from './trust-store.js';
import { certificateValidity } from './validity.js';

/**
 * Returns the certificate in `certificates` that matches `key`. When several match
 * (a renewal that kept its key), the one that expires last wins, and the older ones
 * are later dropped as not in the chain. Throws CertificateCheckError when none
 * matches, or when the key belongs to a CA certificate that issued another one given.
 */
export function findLeafForKey(
  certificates: readonly X509Certificate[],
  key: KeyObject,
  files: { certPath: string; keyPath: string },
): X509Certificate {
  const matches = certificates.filter((certificate) => certificate.checkPrivateKey(key));

  if (matches.length === 0) {
    const expected = likelyLeaf(certificates);
    const keyType = key.asymmetricKeyType ?? 'unknown';
    const certificateKeyType = expected.publicKey.asymmetricKeyType ?? 'unknown';
    const typeNote = keyType === certificateKeyType ? '' : ` The key is ${keyType.toUpperCase()} but the certificate's key is ${certificateKeyType.toUpperCase()}.`;
    throw new CertificateCheckError([{
      kind: 'key-mismatch',
      file: files.keyPath,
      reason: `the private key does not belong to ${files.certPath} (leaf ${describeCertificate(expected)}).${typeNote}`,
      hint: 'Was the key from an earlier certificate signing request? Pass the key generated with the request for this certificate.',
    }]);
  }

  const leaf = latestExpiring(matches);
  const issued = certificates.find((other) => other !== leaf && isIssuedBy(other, leaf));
  if (leaf.ca && issued) {
    throw new CertificateCheckError([{
      kind: 'key-belongs-to-ca',
      file: files.keyPath,
      reason: `the private key belongs to the CA certificate ${describeCertificate(leaf)}, which issued ${describeCertificate(issued)}.`,
      hint: "Pass the server's own private key with --key, not the CA's.",
    }]);
  }
  return leaf;
}

/**
 * Returns the certificate that is most likely the leaf when no key matches: the first
 * that did not issue another certificate in the list, else the first.
 */
function likelyLeaf(certificates: readonly X509Certificate[]): X509Certificate {
  const notIssuer = certificates.find(
    (candidate) => !certificates.some((other) => other !== candidate && isIssuedBy(other, candidate)),
  );
  return (notIssuer ?? certificates[0]) as X509Certificate;
}

function latestExpiring(certificates: readonly X509Certificate[]): X509Certificate {
  return certificates.reduce((latest, candidate) =>
    certificateValidity(candidate).notAfter > certificateValidity(latest).notAfter ? candidate : latest,
  );
}
