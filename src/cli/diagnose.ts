import type { HostSpec } from '../inventory/types.js';
import type { Logger } from '../log.js';
import { checkOnHost } from '../playbook/host-checks.js';
import type { DiagnoseHost } from '../verify/types.js';
import { connector, type ConnectionOptions } from './host-options.js';

/** Builds the on-host check that `verify` runs over SSH for a host behind a failing address. */
export function sshDiagnose(options: ConnectionOptions, logger: Logger, unitName: string, sslDir: string): DiagnoseHost {
  const connect = connector(options, logger);
  return async (host: HostSpec, name: string, port: number) => {
    const connection = await connect(host);
    try {
      return await checkOnHost(connection, name, port, unitName, sslDir);
    } finally {
      await connection.close();
    }
  };
}
