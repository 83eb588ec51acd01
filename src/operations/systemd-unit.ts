import { shellJoin, shellQuote } from '../ssh/shell-quote.js';
import { sectionHeader, splitSections } from '../facts/sections.js';
import { sha256Hex } from './certificates.js';
import type { DesiredState } from './desired-state.js';
import { noChange, rootCommand, type Action, type Operation } from './types.js';

export interface UnitState {
  fileSha256?: string;
  enabled: string;
  active: string;
}

/** Steps whose change means the running app must restart to pick it up. */
export const RESTART_TRIGGERS = ['certificates', 'app', 'packages'];

/** Quotes one argument for a systemd ExecStart= line. */
function systemdQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@+,-]+$/.test(word)) return word;
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

export function unitPath(desired: DesiredState): string {
  return `/etc/systemd/system/${desired.unitName}.service`;
}

/** Renders the unit: a non-root user that may bind ports below 1024 and gains no other privilege. */
export function renderUnit(desired: DesiredState): string {
  const current = `${desired.appRoot}/current`;
  const execStart = [
    '/usr/bin/python3',
    `${current}/launcher.py`,
    '--app-dir',
    `${current}/app`,
    '--callable',
    desired.callable,
    '--cert',
    `${desired.sslDir}/cert.pem`,
    '--key',
    `${desired.sslDir}/cert.key`,
    '--port',
    String(desired.port),
    '--server',
    desired.server,
    ...(desired.httpRedirect ? ['--http-redirect-port', '80'] : []),
  ]
    .map(systemdQuote)
    .join(' ');
  return [
    '# Written by certfleet; a later deploy overwrites changes made here.',
    '[Unit]',
    `Description=Flask app served over TLS on port ${desired.port} (certfleet)`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${desired.serviceUser}`,
    `Group=${desired.serviceUser}`,
    `WorkingDirectory=${current}/app`,
    'Environment=PYTHONUNBUFFERED=1',
    `ExecStart=${execStart}`,
    'AmbientCapabilities=CAP_NET_BIND_SERVICE',
    'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
    'NoNewPrivileges=true',
    'Restart=on-failure',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export const systemdUnitOperation: Operation<UnitState> = {
  name: 'service',
  stateCommand: ({ desired }) => {
    const unit = shellQuote(`${desired.unitName}.service`);
    return [
      sectionHeader('sha256'),
      `sha256sum ${shellQuote(unitPath(desired))} 2>/dev/null | cut -d' ' -f1; true`,
      sectionHeader('enabled'),
      `systemctl is-enabled ${unit} 2>/dev/null; true`,
      sectionHeader('active'),
      `systemctl is-active ${unit} 2>/dev/null; true`,
    ].join('\n');
  },
  parseState: (output) => {
    const sections = splitSections(output);
    return {
      fileSha256: sections.get('sha256') || undefined,
      enabled: sections.get('enabled') || 'not-found',
      active: sections.get('active') || 'inactive',
    };
  },
  plan: ({ desired, staging, changedSteps }, state) => {
    const content = Buffer.from(renderUnit(desired));
    const path = unitPath(desired);
    const unit = shellQuote(`${desired.unitName}.service`);
    const backup = shellQuote(`${desired.appRoot}/backup/${desired.unitName}.service.previous`);
    const actions: Action[] = [];
    const reasons: string[] = [];

    const unitChanged = state.fileSha256 !== sha256Hex(content);
    if (unitChanged) {
      const staged = shellQuote(`${staging}/unit.service`);
      const target = shellQuote(path);
      actions.push(
        { kind: 'upload', path: 'unit.service', content, mode: 0o600, description: `upload ${desired.unitName}.service` },
        rootCommand(
          [
            'set -eu',
            `install -d -o root -g root -m 0755 ${shellQuote(`${desired.appRoot}/backup`)}`,
            `if [ -f ${target} ]; then cp -p ${target} ${backup}; fi`,
            `install -o root -g root -m 0644 ${staged} ${target}.certfleet-new`,
            `mv -T ${target}.certfleet-new ${target}`,
            'systemctl daemon-reload',
          ].join('\n'),
          `write ${path} (the old one kept as ${desired.appRoot}/backup/) and reload systemd`,
        ),
      );
      reasons.push('the unit changed');
    }
    if (state.enabled !== 'enabled') {
      actions.push(rootCommand(`systemctl enable ${unit}`, `enable ${desired.unitName} at boot`));
    }
    const triggers = RESTART_TRIGGERS.filter((step) => changedSteps.has(step));
    if (triggers.length > 0) reasons.push(`${triggers.join(' and ')} changed`);
    if (state.active !== 'active') reasons.push(`the unit was ${state.active}`);
    if (reasons.length > 0) {
      actions.push(rootCommand(shellJoin(['systemctl', 'restart', `${desired.unitName}.service`]), `restart ${desired.unitName} because ${reasons.join(', ')}`));
    }
    if (actions.length === 0) return noChange(`${desired.unitName} is unchanged, enabled and active; nothing it depends on changed`);
    return { changed: true, summary: actions.map((action) => action.description).join('; '), actions };
  },
};
