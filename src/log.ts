import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export type LogFormat = 'pretty' | 'json';

/**
 * Creates the process logger. Logs go to stderr synchronously, so that they keep
 * their order next to the results printed on stdout. The default format is one
 * readable line per event, and `json` gives pino's JSON lines for log collectors.
 */
export function createLogger(level: string = process.env.CERTFLEET_LOG_LEVEL ?? 'info', format: LogFormat = logFormatFromEnvironment()): Logger {
  const options = {
    level,
    base: undefined,
    // Defence in depth: no field with one of these names ever reaches a log line.
    redact: { paths: ['passphrase', '*.passphrase', 'privateKey', '*.privateKey', 'password', '*.password'], remove: true },
  };
  if (format === 'json') return pino(options, pino.destination({ fd: 2, sync: true }));
  return pino(
    options,
    pretty({
      destination: 2,
      sync: true,
      colorize: process.stderr.isTTY === true,
      translateTime: 'HH:MM:ss',
      ignore: 'pid,hostname',
      messageFormat: '{if host}{host}: {end}{msg}',
      hideObject: true,
    }),
  );
}

function logFormatFromEnvironment(): LogFormat {
  return process.env.CERTFLEET_LOG_FORMAT === 'json' ? 'json' : 'pretty';
}

/** Returns a logger that drops everything, for library callers and unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
