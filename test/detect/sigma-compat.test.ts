/**
 * SigmaHQ compatibility: the public rules load (or are refused with a reason), and a selection of them, copied
 * unchanged into fixtures/sigma/rules (DRL 1.1, authors kept), fire on logs that should trigger them and stay
 * quiet on the lines beside them that should not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, SHARED, ndjsonLines, run, tmpDir } from '../helpers/cli.js';

test('the public SigmaHQ rules for web, linux and cloudtrail load: at least 90%, every refusal with a reason', (t) => {
  const dir = path.join(SHARED, 'sigma');
  if (!fs.existsSync(dir)) return t.skip(`${dir} is absent`);
  const res = run(['rules', 'list', '--no-builtin', '--rules', dir, '--json']);
  assert.equal(res.code, 0, res.stderr);
  const rows = ndjsonLines(res.stdout);
  const loaded = rows.filter((r) => r.status === 'loaded');
  const skipped = rows.filter((r) => r.status === 'skipped');
  t.diagnostic(`${loaded.length} of ${rows.length} loaded; skipped: ${skipped.map((s) => `${s.title}: ${s.reason}`).join(' | ')}`);
  assert.ok(rows.length >= 224);
  assert.ok(loaded.length / rows.length >= 0.9, `${loaded.length}/${rows.length}`);
  for (const s of skipped) assert.ok(s.reason && s.reason.length > 10, JSON.stringify(s));
  // and they run: a hunt with all of them over the bundled incident completes
  const db = path.join(tmpDir(), 'store.db');
  const hunt = run(['--db', db, 'hunt', path.join(FIXTURES, 'demo'), '--no-builtin', '--rules', dir, '--json']);
  assert.equal(hunt.code, 0, hunt.stderr);
  t.diagnostic(`SigmaHQ rules on the demo incident: ${[...new Set(ndjsonLines(hunt.stdout).map((f) => f.rule.title))].join(' | ')}`);
});

test('selected SigmaHQ rules, unchanged, fire on the lines that should trigger them and only those', () => {
  const db = path.join(tmpDir(), 'store.db');
  const res = run(['--db', db, 'hunt', path.join(FIXTURES, 'sigma/logs'), '--no-builtin', '--rules', path.join(FIXTURES, 'sigma/rules'), '--json', '--evidence', '5']);
  assert.equal(res.code, 0, res.stderr);
  const findings = ndjsonLines(res.stdout);
  const by = (id: string) => findings.filter((f) => f.rule.id === id);
  const evidence = (id: string) => by(id).flatMap((f) => f.evidence.events.map((e: { event: { original: string } }) => e.event.original));

  assert.deepEqual(by('7745c2ea-24a5-4290-b680-04359cb84b35').map((f) => f.group.source.ip), ['198.51.100.23'], 'path traversal');
  assert.deepEqual(by('19aa4f58-94ca-45ff-bc34-92e533c0994a').map((f) => f.group.source.ip), ['198.51.100.24'], 'recon user agent');
  const priv = evidence('0ac15ec3-d24f-4246-aa2a-3077bb1cf90e');
  assert.equal(priv.length, 1, 'privileged user created: the UID 0 account, not carol');
  assert.match(priv[0], /name=sysupdate, UID=0/);
  const sshd = evidence('e76b413a-83d0-4b94-8e4c-85db4a5b8bdc');
  assert.equal(sshd.length, 1);
  assert.match(sshd[0], /Corrupted MAC on input/);
  const audit = evidence('977ef627-4539-4875-adf4-ed8f780c4922');
  assert.equal(audit.length, 1, 'the write under /etc/audit/, not /etc/hosts');
  assert.match(audit[0], /auditd\.conf/);
  const trail = evidence('4db60cc0-36fb-42b7-9b58-a5b53019fb74');
  assert.equal(trail.length, 1);
  assert.match(trail[0], /StopLogging/);
  // keyword rules of services that log through syslog: only the service's own lines, only the listed messages
  assert.deepEqual(evidence('36aa86ca-fd9d-4456-814e-d3b1b8e1e0bb').map((l) => l.replace(/^.* web01 /, '')), ['clamd[812]: /var/www/html/uploads/img.php: Php.Webshell.Generic-1 FOUND']);
  assert.deepEqual(evidence('1edd77db-0669-4fef-9598-165bda82826d').map((l) => l.replace(/^.* web01 /, '')), ['guacd[901]: User "@5e8c1b2a" joined connection "$0f3a9d" (2 users now present)']);
  assert.deepEqual(evidence('377f33a1-4b36-4ee1-acee-1dbe4b43cfbe').map((l) => l.replace(/^.* web01 /, '')), ['vsftpd[1200]: Connection refused: too many sessions for this address.']);
  // the request's Content-Type (cs-content-type) from a JSON access log: the octet-stream upload, not the multipart one
  assert.deepEqual(by('639b893f-f93a-4e53-a7c8-f08cf73fe7f7').map((f) => f.group.source.ip), ['198.51.100.40'], 'SAP NetViewer webshell upload');
  assert.equal(findings.length, 10, findings.map((f) => f.rule.title).join(', '));
});

test("SigmaHQ's Zeek rules, unchanged, read Zeek's own field names from Zeek logs (TSV and JSON)", () => {
  const db = path.join(tmpDir(), 'store.db');
  const rules = path.join(FIXTURES, 'sigma/rules');
  const res = run(['--db', db, 'hunt', path.join(FIXTURES, 'sigma/zeek'), '--no-builtin', '--rules', rules, '--json', '--evidence', '5']);
  assert.equal(res.code, 0, res.stderr);
  const findings = ndjsonLines(res.stdout);
  const evidence = (id: string) => findings.filter((f) => f.rule.id === id).flatMap((f) => f.evidence.events.map((e: { event: { original: string } }) => e.event.original.split('\n').pop()));
  // the mining-pool query answered with an address; not the sinkholed answer (0.0.0.0, one of a list), not the
  // refused query (rejected: 'true', quoted in the rule, is Zeek's boolean), not the ordinary name
  const mining = evidence('bf74135c-18e8-4a72-a926-0e4f47888c19');
  assert.equal(mining.length, 1);
  assert.match(mining[0], /"query":"pool\.supportxmr\.com"/);
  // OMIGOD: the POST to /wsman without an Authorization header and with a body; not the authenticated client's,
  // not the empty probe
  const omigod = evidence('ab6b1a39-a9ee-4ab4-b075-e83acf6e346b');
  assert.equal(omigod.length, 1);
  assert.match(omigod[0], /^1709373800\.000000\tCoMi1a2B3c4D5e6F7g\t198\.51\.100\.66\t/);
  assert.equal(findings.length, 2, findings.map((f) => f.rule.title).join(', '));

  // Zeek's http.log is also a webserver log source: its fields line up with an access log's
  const web = run(['--db', path.join(tmpDir(), 'web.db'), 'hunt', path.join(FIXTURES, 'zeek/http.log'), '--no-builtin', '--rules', path.join(rules, 'web_path_traversal_exploitation_attempt.yml'), '--json']);
  assert.equal(web.code, 0, web.stderr);
  assert.deepEqual(ndjsonLines(web.stdout).map((f) => f.group.source.ip), ['198.51.100.23']);
});

test("SigmaHQ's Kubernetes audit rules, unchanged, fire on an API server audit log: each on the requests it names", () => {
  const db = path.join(tmpDir(), 'store.db');
  const dir = path.join(FIXTURES, 'sigma/kubernetes/rules');
  const res = run(['--db', db, 'hunt', path.join(FIXTURES, 'k8s/audit.log'), '--no-builtin', '--rules', dir, '--json', '--evidence', '10']);
  assert.equal(res.code, 0, res.stderr);
  const findings = ndjsonLines(res.stdout);
  // rule title -> the last four characters of the audit IDs of its evidence
  const got: Record<string, string[]> = {};
  for (const f of findings) {
    for (const e of f.evidence.events) (got[f.rule.title] ??= []).push(JSON.parse(e.event.original).auditID.slice(-4) as string);
  }
  for (const ids of Object.values(got)) ids.sort();
  assert.deepEqual(got, {
    'RBAC Permission Enumeration Attempt': ['3c01'], // `apiGroup`, which audit events keep under objectRef
    'Secrets Enumeration': ['3c02', '3c03'],
    'Kubernetes Unauthorized or Unauthenticated Access': ['2b01', '3c02'], // the stolen token's 403 and the anonymous one
    'Creation Of Pod In System Namespace': ['3c04', '3c05', '3c05'], // the pod, and the exec (a create on pods) in both its stages
    'Container With A hostPath Mount Created': ['3c04'], // in a list of volumes; not the controller's pod, which has none
    'Privileged Container Deployed': ['3c04'], // capabilities added; not the pod that drops them all
    'Potential Remote Command Execution In Pod Container': ['3c05', '3c05'],
    'Kubernetes Rolebinding Modification': ['3c06'],
    'New Kubernetes Service Account Created': ['3c07'],
    'Kubernetes CronJob/Job Modification': ['3c08'],
    'Kubernetes Admission Controller Modification': ['3c09'],
    'Kubernetes Events Deleted': ['3c10'],
    'Kubernetes Secrets Modified or Deleted': ['3c11'],
  });
});
