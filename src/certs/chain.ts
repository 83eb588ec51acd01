/**
 * Builds the chain a server sends: the leaf, then each certificate followed by its
 * issuer, up to but not including the root. Some certificate of the chain must be
 * issued by a trust anchor, or the chain must be one self-signed trusted leaf.
 */
import type { X509Certificate } from 'node:crypto';
import { describeCertificate, formatDistinguishedName, quoteSubject } from './describe.js';
import type { CertificateProblem } from './problems.js';
import { findTrustedCertificate, findTrustedIssuer, isIssuedBy, isSelfSigned, type TrustAnchor, type TrustStore } from './trust-store.js';

export interface ChainResult {
  /** Leaf first, then intermediates in issuing order. A self-signed root is left out unless it is the leaf itself. */
  chain: X509Certificate[];
  /** The trusted certificate the chain ends in, absent when a problem was found. */
  anchor?: TrustAnchor;
  /**
   * Number of chain certificates, from the leaf, on the path to the anchor. Any after
   * them (such as a cross-signed root for old clients) are sent but not needed.
   */
  pathLength: number;
  repairs: string[];
  problems: CertificateProblem[];
}

/**
 * Orders `bundle` into the chain of `leaf` and finds its trust anchor. `bundle` is
 * every certificate given, in file order, leaf included. Certificates that are not in
 * the leaf's chain are dropped and reported. `file` names the certificate file in messages.
 */
export function buildChain(leaf: X509Certificate, bundle: readonly X509Certificate[], store: TrustStore, file: string): ChainResult {
  const repairs: string[] = [];
  const problems: CertificateProblem[] = [];
  const chain: X509Certificate[] = [leaf];
  const remaining = bundle.filter((certificate) => certificate !== leaf);
  let droppedRoot: X509Certificate | undefined;

  for (;;) {
    const current = chain[chain.length - 1] as X509Certificate;
    if (isSelfSigned(current)) {
      if (current !== leaf) droppedRoot = chain.pop();
      break;
    }

    // NOTE: the first CA candidate in file order wins, without backtracking. Two bundled
    // issuers with the same name and key (e.g. an expired and a renewed intermediate)
    // can therefore pick the expired one and fail the validity check.
    const issuers = remaining.filter((candidate) => isIssuedBy(current, candidate));
    const issuer = issuers.find((candidate) => candidate.ca);
    if (!issuer) {
      const notCa = issuers[0];
      if (notCa) problems.push(issuerNotCaProblem(current, notCa, file));
      break;
    }

    chain.push(issuer);
    remaining.splice(remaining.indexOf(issuer), 1);
  }

  for (const unused of remaining) {
    repairs.push(`${file}: dropped ${describeCertificate(unused)}, which is not in the chain of the leaf certificate`);
  }
  if (isReordered(chain, bundle)) {
    repairs.push(`${file}: reordered the chain to leaf, then each certificate followed by its issuer`);
  }

  if (problems.length > 0) return { chain, pathLength: chain.length, repairs, problems };

  const anchoring = findAnchor(chain, droppedRoot, store, file);
  if (anchoring.problem) problems.push(anchoring.problem);
  if (droppedRoot && anchoring.anchor) {
    repairs.push(`${file}: dropped the self-signed root ${quoteSubject(droppedRoot)} from the chain, because clients use their own copy of the root`);
  }
  return { chain, anchor: anchoring.anchor, pathLength: anchoring.pathLength, repairs, problems };
}

function findAnchor(
  chain: readonly X509Certificate[],
  droppedRoot: X509Certificate | undefined,
  store: TrustStore,
  file: string,
): { anchor?: TrustAnchor; pathLength: number; problem?: CertificateProblem } {
  const top = chain[chain.length - 1] as X509Certificate;
  const pathLength = chain.length;
  const trustedFrom = `the trust store (${store.sources.join(', ')})`;

  if (chain.length === 1 && isSelfSigned(top)) {
    const anchor = findTrustedCertificate(store, top);
    if (anchor) return { anchor, pathLength };
    return {
      pathLength,
      problem: {
        kind: 'untrusted-root',
        file,
        reason: `the certificate ${quoteSubject(top)} is self-signed and not in ${trustedFrom}.`,
        hint: `If you mean to use it, pass the same file with --ca ${file} and install it as trusted on every client.`,
      },
    };
  }

  // The path ends at the first certificate, from the leaf up, that a trust anchor
  // issued. So an extra cross-signed certificate above it needs no trusted issuer.
  for (let index = 0; index < chain.length; index += 1) {
    const anchor = findTrustedIssuer(store, chain[index] as X509Certificate);
    if (anchor) return { anchor, pathLength: index + 1 };
  }

  if (droppedRoot) {
    return {
      pathLength,
      problem: {
        kind: 'untrusted-root',
        file,
        reason: `the chain ends at the self-signed root ${quoteSubject(droppedRoot)}, which is not in ${trustedFrom}.`,
        hint: 'If it is your private CA, pass its certificate with --ca FILE, and make every client trust it too.',
      },
    };
  }

  const published = caIssuersUrl(top);
  const where = published ? ` Your CA publishes it at ${published}.` : '';
  return {
    pathLength,
    problem: {
      kind: 'issuer-missing',
      file,
      reason: `the issuer "${formatDistinguishedName(top.issuer)}" of ${quoteSubject(top)} is neither in ${file} nor in ${trustedFrom}.`,
      hint: `If that issuer is an intermediate CA, append its certificate (often in chain.pem or fullchain.pem) to ${file}; if it is your private root CA, pass its certificate with --ca FILE.${where}`,
    },
  };
}

function issuerNotCaProblem(certificate: X509Certificate, issuer: X509Certificate, file: string): CertificateProblem {
  return {
    kind: 'issuer-not-ca',
    file,
    reason: `${describeCertificate(issuer)} signed ${quoteSubject(certificate)} but is not a CA certificate (its basicConstraints lack CA:TRUE), so clients reject the chain.`,
    hint: 'Get the intermediate CA certificate from your CA, or reissue the certificate from a real CA certificate.',
  };
}

/** Returns whether the chain's certificates appear in `bundle` in a different order. */
function isReordered(chain: readonly X509Certificate[], bundle: readonly X509Certificate[]): boolean {
  const positions = chain.map((certificate) => bundle.indexOf(certificate));
  return positions.some((position, index) => index > 0 && position < (positions[index - 1] ?? -1));
}

/** Returns the first "CA Issuers" URL of the Authority Information Access extension, if any. */
function caIssuersUrl(certificate: X509Certificate): string | undefined {
  const match = /CA Issuers - URI:(\S+)/.exec(certificate.infoAccess ?? '');
  return match?.[1];
}
