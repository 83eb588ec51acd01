import { Option } from 'commander';

/** Log levels of pino, from the most to the least detailed. */
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Returns the --log-level option; commander rejects a value outside LOG_LEVELS with a usage error. */
export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'detail of the log lines on stderr').choices(LOG_LEVELS).default(process.env.CERTFLEET_LOG_LEVEL ?? 'info');
}
