import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultPlaybookPath, loadPlaybook, parsePlaybook } from '../../src/playbook/load.js';

describe('playbook loading', () => {
  test('built-in playbook is valid', async () => {
    const playbook = await loadPlaybook(defaultPlaybookPath());
    assert.equal(playbook.name, 'flask-tls');
    assert.deepEqual(
      playbook.steps.map((step) => step.step),
      ['packages', 'firewall', 'service-user', 'app', 'certificates', 'service', 'wait-ready', 'verify-host'],
    );
    assert.equal(playbook.settings.port, 443);
    assert.equal(playbook.settings.app, 'builtin');
  });

  test('settings default when left out', () => {
    const playbook = parsePlaybook('name: x\nsteps:\n  - step: packages\n', 'x.yaml');
    assert.equal(playbook.settings.ssl_dir, '/ssl');
    assert.equal(playbook.settings.service_user, 'certfleet');
  });

  const rejected: [string, string, RegExp][] = [
    ['unknown step', 'name: x\nsteps:\n  - step: reboot\n', /x\.yaml: steps\.0: unknown step "reboot"; known steps: packages, /],
    ['unknown step field', 'name: x\nsteps:\n  - step: wait-ready\n    timeout: 5\n', /steps\.0: unknown field "timeout"/],
    ['unknown setting', 'name: x\nsettings:\n  prot: 443\nsteps:\n  - step: packages\n', /settings: unknown field "prot"/],
    ['relative ssl_dir', 'name: x\nsettings:\n  ssl_dir: ssl\nsteps:\n  - step: packages\n', /settings\.ssl_dir: must be an absolute path/],
    ['ssl_dir with ..', 'name: x\nsettings:\n  ssl_dir: /ssl/../etc\nsteps:\n  - step: packages\n', /settings\.ssl_dir: must not contain "\.\."/],
    ['shell characters in unit', 'name: x\nsettings:\n  unit: "a;reboot"\nsteps:\n  - step: packages\n', /settings\.unit: must be a systemd unit name/],
    ['port out of range', 'name: x\nsettings:\n  port: 70000\nsteps:\n  - step: packages\n', /settings\.port/],
    ['bad callable', 'name: x\nsettings:\n  app: {path: ./a, callable: "app"}\nsteps:\n  - step: packages\n', /settings\.app/],
    ['no steps', 'name: x\nsteps: []\n', /steps/],
    ['ssl_dir inside app_root', 'name: x\nsettings:\n  ssl_dir: /opt/certfleet/tls\nsteps:\n  - step: packages\n', /settings\.ssl_dir: ssl_dir and app_root must be separate folders/],
    ['ssl_dir equal to app_root', 'name: x\nsettings:\n  ssl_dir: /srv/app\n  app_root: /srv/app\nsteps:\n  - step: packages\n', /must be separate folders/],
    ['invalid YAML', 'name: [x\n', /x\.yaml: invalid YAML/],
  ];
  for (const [title, text, message] of rejected) {
    test(`${title} is rejected`, () => {
      assert.throws(() => parsePlaybook(text, 'x.yaml'), message);
    });
  }

  test('missing playbook file names it', async () => {
    await assert.rejects(loadPlaybook('/nonexistent/play.yaml'), /\/nonexistent\/play\.yaml: cannot read the playbook: file not found \(ENOENT\)/);
  });
});
