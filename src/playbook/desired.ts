import type { DesiredState } from '../operations/desired-state.js';
import { buildReleaseFiles } from './app-files.js';
import type { Playbook } from './schema.js';

export interface CertificateMaterial {
  chainPem: string;
  keyPem: string;
  fingerprint256: string;
}

/**
 * Computes everything a deploy puts on every host, before any host is touched.
 * Also returns the entries of the app folder that are not uploaded, for a warning.
 */
export async function buildDesiredState(
  playbook: Playbook,
  domain: string,
  certificate: CertificateMaterial,
  replaceApp = false,
): Promise<{ desired: DesiredState; skippedAppEntries: string[] }> {
  const settings = playbook.settings;
  const release = await buildReleaseFiles(settings.app, playbook.file);
  const waitStep = playbook.steps.find((step) => step.step === 'wait-ready');
  const desired: DesiredState = {
    domain,
    port: settings.port,
    serviceUser: settings.service_user,
    sslDir: settings.ssl_dir,
    appRoot: settings.app_root,
    unitName: settings.unit,
    server: settings.server,
    callable: release.callable,
    httpRedirect: settings.http_redirect,
    chainPem: Buffer.from(certificate.chainPem),
    keyPem: Buffer.from(certificate.keyPem),
    leafFingerprint256: certificate.fingerprint256,
    releaseFiles: release.files,
    appOrigin: `playbook ${playbook.name}, app ${settings.app === 'builtin' ? 'builtin' : `${settings.app.path} ${settings.app.callable}`}`,
    replaceApp,
    enableEpel: settings.enable_epel,
    enableUfw: settings.enable_ufw,
    waitTimeoutSeconds: waitStep && 'timeout_seconds' in waitStep ? waitStep.timeout_seconds : 30,
  };
  return { desired, skippedAppEntries: release.skipped };
}
