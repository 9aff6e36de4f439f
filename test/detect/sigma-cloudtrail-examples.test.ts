/**
 * Every public SigmaHQ CloudTrail rule that loghound loads fires on a real CloudTrail record: the record is built
 * from the rule's own detection (test/helpers/sigma-example.ts), written as the {"Records":[...]} file CloudTrail
 * delivers to S3 (test/helpers/cloudtrail-example.ts), and hunted with the real CLI. A field mapping, a parser or a
 * modifier that silently matches nothing shows up here as a rule without its finding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHARED, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { exampleOf } from '../helpers/sigma-example.js';
import { cloudtrailFile, cloudtrailRecord } from '../helpers/cloudtrail-example.js';
import { loadRules } from '../../src/detect/load.js';
import type { DetectionRule } from '../../src/detect/model.js';

const SIGMA = path.join(SHARED, 'sigma');

/** Samples for the rules' regular expressions, keyed by the pattern. */
const REGEX_SAMPLES: Record<string, string> = {
  // the credentials of an EC2 instance's role, as CloudTrail names them
  '.+:assumed-role/aws:.+': `arn:aws:sts::210987654321:assumed-role/aws:ec2-instance/i-0a1b2c3d4e5f60718`,
};

/** Rules that cannot have an example, with why (rule id -> reason). Each must stay silent. */
const EXCLUDED: Record<string, string> = {};

const isCloudtrail = (r: { logsource: { product?: string; service?: string } }) => r.logsource.product === 'aws' && r.logsource.service === 'cloudtrail';

test('every SigmaHQ CloudTrail rule loghound loads fires on a CloudTrail record built from its detection', (t) => {
  if (!fs.existsSync(SIGMA)) return t.skip(`${SIGMA} is absent`);
  const loaded = loadRules([SIGMA]);
  const rules = loaded.rules.filter((r): r is DetectionRule => r.kind === 'detection' && isCloudtrail(r));
  assert.ok(rules.length >= 50, `only ${rules.length} CloudTrail rules loaded`);
  const skipped = loaded.skipped.filter((s) => /cloud[/\\]aws/.test(s.file));
  t.diagnostic(`${rules.length} CloudTrail rules loaded, ${skipped.length} skipped${skipped.map((s) => `; ${s.file}: ${s.reason}`).join('')}`);

  const records: Record<string, unknown>[] = [];
  const eventIdOf = new Map<string, string>();
  const noExample: string[] = [];
  rules.forEach((rule, i) => {
    const example = exampleOf(rule, REGEX_SAMPLES);
    if (typeof example === 'string') {
      noExample.push(`${rule.id} ${rule.title}: ${example}`);
      return;
    }
    const n = i + 1;
    const eventID = `${n.toString(16).padStart(8, '0')}-5e1a-4c0d-9b7e-0c1a2b3c4d5e`;
    const ids = { eventID, sourceIPAddress: `198.51.${100 + (n >> 8)}.${n & 255}`, userName: `example-${n}`, eventTime: new Date(Date.UTC(2026, 10, 14, 3, 0, n)).toISOString().replace('.000', '') };
    records.push(cloudtrailRecord(example, ids));
    eventIdOf.set(rule.id, eventID);
  });

  // both shapes loghound reads: the file CloudTrail delivers to S3, and one record per line
  const dir = tmpDir();
  const shapes = {
    'S3 Records file': ['210987654321_CloudTrail_eu-west-1_20261114T0300Z_example.json', cloudtrailFile(records)],
    'NDJSON': ['records.ndjson', records.map((r) => JSON.stringify(r) + '\n').join('')],
  };
  for (const [shape, [name, text]] of Object.entries(shapes)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    const res = run(['--db', path.join(dir, `${name}.db`), 'hunt', file, '--no-builtin', '--rules', SIGMA, '--json', '--evidence', '5']);
    assert.equal(res.code, 0, res.stderr);
    const findings = ndjsonLines(res.stdout);
    const evidenceIds = (id: string) =>
      findings.filter((f) => f.rule.id === id).flatMap((f) => f.evidence.events.map((e: { event: { original: string } }) => JSON.parse(e.event.original).eventID as string));

    const fired: string[] = [];
    const silent: string[] = [];
    for (const rule of rules) {
      const own = eventIdOf.get(rule.id);
      const hit = own !== undefined && evidenceIds(rule.id).includes(own);
      (hit ? fired : silent).push(`${rule.id} ${rule.title}`);
      if (rule.id in EXCLUDED) assert.ok(!hit, `${rule.title} is excluded (${EXCLUDED[rule.id]}) but fires: take it off the list`);
    }
    t.diagnostic(`${shape}: ${fired.length} of ${rules.length} CloudTrail rules fired on their example`);
    const unexplained = silent.filter((s) => !(s.split(' ')[0] in EXCLUDED));
    assert.deepEqual(unexplained, [], `${shape}: rules that did not fire on their example (no example: ${noExample.join(' | ') || 'none'})`);
  }
  // every exclusion names a CloudTrail rule that loads: a stale entry is not kept
  for (const id of Object.keys(EXCLUDED)) assert.ok(rules.some((r) => r.id === id), `excluded rule ${id} is not a loaded CloudTrail rule`);
});
