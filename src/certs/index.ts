export {
  checkCertificateFiles,
  sha256Hex,
  type CertificateInfo,
  type CheckCertificateRequest,
  type CheckedCertificate,
  type LeafInfo,
} from './check.js';
export { buildChain, type ChainResult } from './chain.js';
export { describeCertificate, formatDistinguishedName } from './describe.js';
export { readCertificateInputs, type CertificateInputs } from './inputs.js';
export { describeKey, KEY_PASSPHRASE_VARIABLE, loadPrivateKey, type LoadedPrivateKey } from './key.js';
export { findLeafForKey } from './leaf.js';
export {
  certificateCoversName,
  certificateDnsNames,
  findCoveringName,
  normaliseDnsName,
  parseSubjectAltName,
  validateDomainName,
  type CertificateNames,
} from './names.js';
export { encodePem, parsePemBlocks, type PemBlock } from './pem.js';
export {
  CertificateCheckError,
  formatProblem,
  type CertificateProblem,
  type CertificateProblemKind,
} from './problems.js';
export { parseCertificateFile, readCertificateFile, type CertificateFileContents, type KeySource } from './read.js';
export { formatCheckedCertificate } from './summary.js';
export {
  defaultSystemBundlePaths,
  findTrustedCertificate,
  findTrustedIssuer,
  isIssuedBy,
  isSelfSigned,
  loadTrustStore,
  SYSTEM_CA_BUNDLE_PATHS,
  type LoadTrustStoreOptions,
  type TrustAnchor,
  type TrustStore,
} from './trust-store.js';
export { certificateValidity, daysUntil, DEFAULT_WARN_DAYS, type ValidityPeriod } from './validity.js';
