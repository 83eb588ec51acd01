/** A file of the app release, with its path relative to the release folder. */
export interface ReleaseFile {
  path: string;
  content: Buffer;
}

/** Everything a deploy puts on a host, computed on the controller before any host is touched. */
export interface DesiredState {
  domain: string;
  /** TCP port the app serves TLS on. */
  port: number;
  serviceUser: string;
  sslDir: string;
  appRoot: string;
  unitName: string;
  server: 'flask' | 'gunicorn';
  /** `module:callable` of the Flask app inside the uploaded app folder. */
  callable: string;
  /** Serve plain HTTP on port 80 as a redirect to HTTPS. */
  httpRedirect: boolean;
  /** Normalised certificate chain, leaf first, as uploaded. */
  chainPem: Buffer;
  /** Unencrypted private key, as uploaded. */
  keyPem: Buffer;
  /** sha256 fingerprint of the leaf, as node's X509Certificate.fingerprint256 prints it. */
  leafFingerprint256: string;
  /** Files of the app release: the launcher and the app folder. */
  releaseFiles: ReleaseFile[];
  /** Playbook and app the release comes from, recorded on the host as ORIGIN. */
  appOrigin: string;
  /** Replace an app that another playbook deployed. */
  replaceApp: boolean;
  /** Enable an installed but inactive ufw, after allowing the SSH port in use. */
  enableUfw: boolean;
  /** Install EPEL on RHEL-family hosts to get python3-flask. */
  enableEpel: boolean;
  /** Seconds to wait for the unit and port to respond after a restart. */
  waitTimeoutSeconds: number;
}
