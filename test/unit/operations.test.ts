import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseHostFacts, type HostFacts } from '../../src/facts/host-facts.js';
import { appReleaseId } from '../../src/operations/app-release.js';
import { certificateReleaseId, sha256Hex } from '../../src/operations/certificates.js';
import type { DesiredState } from '../../src/operations/desired-state.js';
import { renderUnit } from '../../src/operations/systemd-unit.js';
import type { Action, Plan } from '../../src/operations/types.js';
import { OPERATIONS } from '../../src/playbook/operations.js';
import { FIXTURES_DIR, readFixture } from '../support/fixtures.js';

interface OperationCase {
  title: string;
  facts: string;
  factsOverride?: Partial<HostFacts>;
  desired?: Partial<DesiredState>;
  stateOutput?: string;
  changedSteps?: string[];
  expect: {
    changed?: boolean;
    reason?: string;
    notes?: string;
    /** Substrings that must appear in the commands, in this order. */
    commands?: string[];
    /** Substrings that must appear in no command. */
    absent?: string[];
    uploads?: string[];
    uploadModes?: number[];
    error?: string;
  };
}

const STAGING = '/home/deploy/.cache/certfleet/staging/run-test';

function baseDesired(overrides: Partial<DesiredState> = {}): DesiredState {
  return {
    domain: 'app.fleet.test',
    port: 443,
    serviceUser: 'certfleet',
    sslDir: '/ssl',
    appRoot: '/opt/certfleet',
    unitName: 'certfleet-app',
    server: 'flask',
    callable: 'app:app',
    httpRedirect: false,
    chainPem: Buffer.from('-----BEGIN CERTIFICATE-----\nchain\n-----END CERTIFICATE-----\n'),
    keyPem: Buffer.from('-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n'),
    leafFingerprint256: 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
    releaseFiles: [
      { path: 'launcher.py', content: Buffer.from('# launcher\n') },
      { path: 'app/app.py', content: Buffer.from('app = None\n') },
    ],
    appOrigin: 'playbook flask-tls, app builtin',
    replaceApp: false,
    enableEpel: false,
    enableUfw: false,
    waitTimeoutSeconds: 30,
    ...overrides,
  };
}

/** Placeholders that fixtures use for values computed from the desired state. */
function placeholders(desired: DesiredState): [string, string][] {
  return [
    ['APP_RELEASE', appReleaseId(desired.releaseFiles)],
    ['RELEASE', certificateReleaseId(desired.chainPem, desired.keyPem)],
    ['CERT_SHA256', sha256Hex(desired.chainPem)],
    ['KEY_SHA256', sha256Hex(desired.keyPem)],
    ['UNIT_SHA256', sha256Hex(renderUnit(desired))],
  ];
}

function fill(text: string, values: [string, string][]): string {
  return values.reduce((result, [name, value]) => result.split(name).join(value), text);
}

function commandsOf(plan: Plan): string[] {
  return plan.changed ? plan.actions.filter((action): action is Extract<Action, { kind: 'command' }> => action.kind === 'command').map((action) => action.command) : [];
}

const caseFiles = readdirSync(join(FIXTURES_DIR, 'operations')).filter((file) => file.endsWith('.json'));

for (const file of caseFiles) {
  const operationName = file.replace(/\.json$/, '') as keyof typeof OPERATIONS;
  const operation = OPERATIONS[operationName];
  const cases = JSON.parse(readFixture(`operations/${file}`)) as OperationCase[];

  describe(`${operationName} planner`, () => {
    test('operation exists', () => assert.ok(operation, `no operation named ${operationName}`));

    for (const entry of cases) {
      test(entry.title, () => {
        const desired = baseDesired(entry.desired);
        const values = placeholders(desired);
        const facts = { ...parseHostFacts(readFixture(`facts/${entry.facts}`)), ...entry.factsOverride } as HostFacts;
        const context = { facts, desired, staging: STAGING, changedSteps: new Set(entry.changedSteps ?? []) };
        const state = entry.stateOutput !== undefined ? operation!.parseState!(fill(entry.stateOutput, values)) : undefined;
        const expected = entry.expect;

        if (expected.error) {
          assert.throws(() => operation!.plan(context, state), new RegExp(expected.error));
          return;
        }
        const plan = operation!.plan(context, state);
        assert.equal(plan.changed, expected.changed, plan.changed ? `planned: ${plan.summary}` : `no change: ${plan.reason}`);
        if (!plan.changed && expected.reason) assert.match(plan.reason, new RegExp(fill(expected.reason, values)));
        if (expected.notes) assert.match((plan.notes ?? []).join(' '), new RegExp(expected.notes));

        const commands = commandsOf(plan).join('\n');
        let position = 0;
        for (const wanted of expected.commands ?? []) {
          const text = fill(wanted, values);
          const found = commands.indexOf(text, position);
          assert.ok(found >= 0, `command text not found (in order): ${text}\n--- commands ---\n${commands}`);
          position = found + text.length;
        }
        for (const unwanted of expected.absent ?? []) assert.ok(!commands.includes(unwanted), `unexpected "${unwanted}" in:\n${commands}`);

        if (expected.uploads && plan.changed) {
          const uploads = plan.actions.filter((action) => action.kind === 'upload');
          assert.deepEqual(uploads.map((action) => action.path), expected.uploads.map((path) => fill(path, values)));
          if (expected.uploadModes) assert.deepEqual(uploads.map((action) => action.mode), expected.uploadModes);
        }
      });
    }
  });
}

describe('systemd unit', () => {
  test('runs as service user with bind capability', () => {
    const unit = renderUnit(baseDesired());
    assert.match(unit, /^User=certfleet$/m);
    assert.match(unit, /^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m);
    assert.match(unit, /^NoNewPrivileges=true$/m);
    assert.match(unit, /^WantedBy=multi-user.target$/m);
    assert.match(unit, /--cert \/ssl\/cert.pem --key \/ssl\/cert.key --port 443/);
  });

  test('redirect listener only when asked', () => {
    assert.doesNotMatch(renderUnit(baseDesired()), /--http-redirect-port/);
    assert.match(renderUnit(baseDesired({ httpRedirect: true })), /--http-redirect-port 80/);
  });
});
