import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { flagOrConfig, loadConfig, parseDuration } from '../src/config.js';
import { UsageError } from '../src/errors.js';
import { tmpDir } from './helpers/cli.js';

function setup(files: Record<string, string>): { root: string; cwd: string; env: NodeJS.ProcessEnv } {
  const root = tmpDir('loghound-config-');
  const cwd = path.join(root, 'work');
  const home = path.join(root, 'home');
  fs.mkdirSync(cwd, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return { root, cwd, env: { HOME: home } };
}

function throwsUsage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, `a UsageError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('no config file anywhere: empty values', () => {
  const { cwd, env } = setup({});
  const cfg = loadConfig({ cwd, env });
  assert.equal(cfg.file, undefined);
  assert.deepEqual(cfg.values, {});
  assert.equal(cfg.get('tz'), undefined);
});

test('a YAML file in the current folder: keys named like the flags, paths relative to the file', () => {
  const { root, cwd, env } = setup({
    'work/loghound.config.yaml': [
      'db: cases/main.db',
      'tz: Europe/Berlin',
      'rules: [rules/local, ~/sigma]',
      'geoip-db: ~/geo/GeoLite2-City.mmdb',
      'asn-db: /srv/geo/GeoLite2-ASN.mmdb',
      'fail-on: high',
      'min-level: medium',
      'feeds:',
      '  firehol-level1: true',
      '  tor-exit: { enabled: false }',
      '  ipsum: { min-count: 4, weight: 55 }',
      '  blocked:',
      '    file: lists/blocked.txt',
      '    context: Scanner',
      '    severity: high',
      '    interval: 6h',
    ].join('\n'),
  });
  const cfg = loadConfig({ cwd, env });
  assert.equal(cfg.file, path.join(cwd, 'loghound.config.yaml'));
  assert.deepEqual(cfg.values, {
    db: path.join(cwd, 'cases/main.db'),
    tz: 'Europe/Berlin',
    rules: [path.join(cwd, 'rules/local'), path.join(root, 'home/sigma')],
    'geoip-db': path.join(root, 'home/geo/GeoLite2-City.mmdb'),
    'asn-db': '/srv/geo/GeoLite2-ASN.mmdb',
    'fail-on': 'high',
    'min-level': 'medium',
    feeds: {
      'firehol-level1': { enabled: true },
      'tor-exit': { enabled: false },
      ipsum: { 'min-count': 4, weight: 55 },
      blocked: { file: path.join(cwd, 'lists/blocked.txt'), context: 'Scanner', severity: 'high', interval: 21600 },
    },
  });
});

test('JSON works too, and the current folder wins over the XDG folder', () => {
  const { root, cwd, env } = setup({
    'xdg/loghound/loghound.config.json': '{"tz": "UTC"}',
    'work/loghound.config.json': '{"tz": "Asia/Tokyo", "rules": "r"}',
  });
  const withXdg = { ...env, XDG_CONFIG_HOME: path.join(root, 'xdg') };
  assert.equal(loadConfig({ cwd, env: withXdg }).get('tz'), 'Asia/Tokyo');
  assert.deepEqual(loadConfig({ cwd, env: withXdg }).get('rules'), [path.join(cwd, 'r')]);
  fs.rmSync(path.join(cwd, 'loghound.config.json'));
  const cfg = loadConfig({ cwd, env: withXdg });
  assert.equal(cfg.file, path.join(root, 'xdg/loghound/loghound.config.json'));
  assert.equal(cfg.get('tz'), 'UTC');
});

test('without XDG_CONFIG_HOME (or with a relative one) the folder is ~/.config/loghound', () => {
  const { root, cwd, env } = setup({ 'home/.config/loghound/loghound.config.yml': 'tz: America/New_York\n' });
  assert.equal(loadConfig({ cwd, env }).get('tz'), 'America/New_York');
  assert.equal(loadConfig({ cwd, env: { ...env, XDG_CONFIG_HOME: 'relative/dir' } }).get('tz'), 'America/New_York');
  assert.equal(loadConfig({ cwd, env: { ...env, XDG_CONFIG_HOME: path.join(root, 'nowhere') } }).file, undefined);
});

test('an explicit file must exist; two files in one folder are refused', () => {
  const { cwd, env } = setup({ 'work/loghound.config.yaml': 'tz: UTC\n', 'work/loghound.config.json': '{}' });
  throwsUsage(() => loadConfig({ cwd, env }), /two config files in .*loghound\.config\.json and loghound\.config\.yaml/);
  throwsUsage(() => loadConfig({ cwd, env, file: 'missing.yaml' }), /cannot read the config file .*missing\.yaml: no such file/);
  assert.equal(loadConfig({ cwd, env, file: 'loghound.config.yaml' }).get('tz'), 'UTC');
});

test('errors name the file, line and column', () => {
  const cases: [string, RegExp][] = [
    ['tz: UTC\nfail_on: high\n', /loghound\.config\.yaml:2:1: unknown key "fail_on"; known keys: db, tz/],
    ['fail-on: severe\n', /loghound\.config\.yaml:1:10: "fail-on" must be one of informational, low, medium, high, critical/],
    ['tz: [unclosed\n', /loghound\.config\.yaml:\d+:\d+: /],
    ['tz: UTC\ntz: GMT\n', /loghound\.config\.yaml:2:1: .*[Uu]nique/],
    ['- just\n- a list\n', /must hold an object/],
    ['feeds:\n  mine:\n    url: ftp://x.example/list\n', /loghound\.config\.yaml:3:10: "url" must start with https:\/\//],
    ['feeds:\n  mine:\n    url: https://x.example/l\n    weight: 150\n', /:4:13: "feeds.mine.weight" must be a whole number from 0 to 100/],
    ['feeds:\n  mine:\n    url: https://x.example/l\n    weight: 50\n    severity: high\n', /:3:5: give a feed a weight or a severity, not both/],
    ['feeds:\n  mine:\n    url: https://x.example/l\n    format: xml\n', /"format" must be ip, cidr, csv:COLUMN, jsonl:FIELD or auto/],
    ['feeds:\n  mine:\n    url: https://x.example/l\n    interval: soon\n', /"interval" must be a duration/],
    ['feeds:\n  Bad Name: true\n', /feed name "Bad Name" must be lower case/],
    ['feeds:\n  mine:\n    urls: https://x.example/l\n', /:3:5: unknown key "urls"; known keys: enabled, url, file/],
    ['feeds:\n  mine: yes please\n', /feed "mine" must be true, false or a map of settings/],
  ];
  for (const [text, pattern] of cases) {
    const { cwd, env } = setup({ 'work/loghound.config.yaml': text });
    throwsUsage(() => loadConfig({ cwd, env }), pattern);
  }
});

test('an empty file is an empty config', () => {
  const { cwd, env } = setup({ 'work/loghound.config.yaml': '# nothing yet\n' });
  assert.deepEqual(loadConfig({ cwd, env }).values, {});
});

test('flags win over the config file', () => {
  const { cwd, env } = setup({ 'work/loghound.config.yaml': 'tz: UTC\nfail-on: high\n' });
  const cfg = loadConfig({ cwd, env });
  assert.equal(flagOrConfig(cfg, 'tz', 'Europe/Paris'), 'Europe/Paris');
  assert.equal(flagOrConfig(cfg, 'tz', undefined), 'UTC');
  assert.equal(flagOrConfig(cfg, 'min-level', undefined), undefined);
});

test('durations', () => {
  assert.equal(parseDuration('30m'), 1800);
  assert.equal(parseDuration('6h'), 21600);
  assert.equal(parseDuration('1d'), 86400);
  assert.equal(parseDuration('2w'), 1209600);
  assert.equal(parseDuration('45'), 45);
  assert.equal(parseDuration(90), 90);
  assert.ok(Number.isNaN(parseDuration('0h')));
  assert.ok(Number.isNaN(parseDuration('1y')));
  assert.ok(Number.isNaN(parseDuration(1.5)));
});
