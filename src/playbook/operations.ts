import { appReleaseOperation } from '../operations/app-release.js';
import { certificatesOperation } from '../operations/certificates.js';
import { openPortOperation } from '../operations/firewall/open-port.js';
import { packagesOperation } from '../operations/packages.js';
import { serviceUserOperation } from '../operations/service-user.js';
import { systemdUnitOperation } from '../operations/systemd-unit.js';
import type { Operation } from '../operations/types.js';
import type { StepName } from './schema.js';

/** The operation behind each change step of a playbook; wait-ready and verify-host are checks, not operations. */
export const OPERATIONS: Partial<Record<StepName, Operation<any>>> = {
  packages: packagesOperation,
  firewall: openPortOperation,
  'service-user': serviceUserOperation,
  certificates: certificatesOperation,
  app: appReleaseOperation,
  service: systemdUnitOperation,
};
