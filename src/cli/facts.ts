import Table from 'cli-table3';
import { Command, Option } from 'commander';
import { reasonOf } from '../errors.js';
import type { HostFacts } from '../facts/host-facts.js';
import { createLogger } from '../log.js';
import { assertPrerequisites, gatherFacts } from '../playbook/run-host.js';
import { addHostOptions, connector, selectHosts, type ConnectionOptions, type HostSelectionOptions } from './host-options.js';
import { logLevelOption } from './log-level.js';

interface FactsOptions extends HostSelectionOptions, ConnectionOptions {
  json?: boolean;
  parallel: number;
  logLevel: string;
}

interface FactsRow {
  name: string;
  address: string;
  facts?: HostFacts;
  error?: string;
}

export function factsCommand(): Command {
  const command = new Command('facts')
    .description('gather and print the facts certfleet plans from: distro, package manager, systemd, Python, firewall')
    .option('--json', 'print the facts as JSON on stdout')
    .addOption(new Option('--parallel <count>', 'hosts worked on at once').default(10).argParser(Number))
    .addOption(logLevelOption());
  addHostOptions(command);
  command.action(async (options: FactsOptions) => {
    const logger = createLogger(options.logLevel);
    const hosts = await selectHosts(options);
    const connect = connector(options, logger);
    const rows: FactsRow[] = await Promise.all(
      hosts.map(async (host) => {
        try {
          const connection = await connect(host);
          try {
            const facts = await gatherFacts(connection);
            try {
              assertPrerequisites(facts, host);
            } catch (error) {
              return { name: host.name, address: host.address, facts, error: reasonOf(error) };
            }
            return { name: host.name, address: host.address, facts };
          } finally {
            await connection.close();
          }
        } catch (error) {
          logger.error({ host: host.name }, reasonOf(error));
          return { name: host.name, address: host.address, error: reasonOf(error) };
        }
      }),
    );
    if (options.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else {
      process.stdout.write(`${formatFactsTable(rows)}\n`);
    }
    process.exitCode = rows.every((row) => !row.error) ? 0 : 1;
  });
  return command;
}

function formatFactsTable(rows: FactsRow[]): string {
  const table = new Table({
    head: ['Host', 'Address', 'Distro', 'Family', 'Packages', 'systemd', 'Python', 'Flask', 'sudo', 'Firewall', 'Problem'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, 24, null, null, null, null, null, null, 24, 40] as never,
  });
  for (const row of rows) {
    const facts = row.facts;
    if (!facts) {
      table.push([row.name, row.address, { colSpan: 8, content: '-' }, row.error ?? '']);
      continue;
    }
    table.push([
      row.name,
      row.address,
      facts.os.prettyName,
      facts.os.family,
      facts.packageManager,
      facts.systemd ? 'yes' : 'no',
      facts.pythonVersion ?? '-',
      facts.flaskInstalled ? 'yes' : 'no',
      facts.sudo,
      `${facts.firewall.active}${facts.firewall.notes.length ? ` (${facts.firewall.notes.join('; ')})` : ''}`,
      row.error ?? '',
    ]);
  }
  return table.toString();
}
