/** Kubernetes API server audit events: golden file, detection against other JSON, the ECS mapping, what is refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../helpers/cli.js';
import { checkGolden, readLines } from '../helpers/golden.js';
import { k8sAudit } from '../../src/parsers/k8s-audit.js';
import { rankParsers } from '../../src/parsers/dispatch.js';
import { parseLines } from '../../src/parsers/run.js';
import type { ParsedEvent } from '../../src/model/event.js';

const LOG = path.join(FIXTURES, 'k8s/audit.log');
const CTX = { path: '-', tz: 'UTC', mtimeMs: Date.UTC(2026, 11, 3) };

function parse(line: string): ParsedEvent | string {
  return k8sAudit.create(CTX).parse(line, { line: 1, offset: 0 }) as ParsedEvent | string;
}

test('golden: k8s/audit.log', () => {
  checkGolden(LOG, { expectParser: 'k8s-audit', mtimeMs: CTX.mtimeMs });
});

test('detection: an audit log scores 1 and wins over json; other JSON lines score 0', () => {
  const [best] = rankParsers(readLines(LOG));
  assert.deepEqual([best.parser.name, best.score], ['k8s-audit', 1]);
  for (const f of fs.readdirSync(path.join(FIXTURES, 'json')).filter((n) => n.endsWith('.log'))) {
    assert.equal(k8sAudit.detect(readLines(path.join(FIXTURES, 'json', f))), 0, f);
  }
});

test('an exec into a pod: who, from where, what, on which object, and the time the request was received', () => {
  const line = readLines(LOG).find((l) => l.includes('"subresource":"exec"'))!;
  const ev = parse(line) as ParsedEvent;
  const f = ev.fields;
  assert.equal(ev.dataset, 'kubernetes.audit');
  assert.equal(ev.ts, Date.UTC(2026, 10, 14, 3, 14, 2, 220));
  assert.equal(f['event.action'], 'create');
  assert.deepEqual(f['event.type'], ['creation']);
  assert.equal(f['user.name'], 'system:serviceaccount:web:web-app');
  assert.deepEqual(f['user.group.name'], ['system:serviceaccounts', 'system:serviceaccounts:web', 'system:authenticated']);
  assert.equal(f['source.ip'], '203.0.113.50');
  assert.equal(f['orchestrator.namespace'], 'kube-system');
  assert.equal(f['orchestrator.resource.type'], 'pods');
  assert.equal(f['orchestrator.resource.name'], 'kube-proxy-x7k2p');
  assert.equal(f['url.path'], '/api/v1/namespaces/kube-system/pods/kube-proxy-x7k2p/exec');
  assert.match(f['url.query'] as string, /^command=%2Fbin%2Fsh&/);
  assert.equal(f['http.response.status_code'], 101);
  assert.equal(f['event.outcome'], 'success');
  assert.equal((f['kubernetes.audit'] as Record<string, any>).objectRef.subresource, 'exec');
});

test('a forbidden request is a failure and denied; the first of several source addresses is the client', () => {
  const ev = parse(
    '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/secrets","verb":"list","user":{"username":"system:anonymous","groups":["system:unauthenticated"]},"sourceIPs":["198.51.100.9","10.0.0.2"],"objectRef":{"resource":"secrets","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failure","reason":"Forbidden","code":403},"requestReceivedTimestamp":"2026-11-14T03:20:11.015530Z","stageTimestamp":"2026-11-14T03:20:11.016001Z"}',
  ) as ParsedEvent;
  assert.equal(ev.fields['source.ip'], '198.51.100.9');
  assert.equal(ev.fields['event.outcome'], 'failure');
  assert.deepEqual(ev.fields['event.type'], ['access', 'denied']);
  assert.equal(ev.fields['orchestrator.namespace'], undefined);
  // a verb the table does not know, no response yet (RequestReceived stage): info, outcome unknown
  const received = parse('{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"RequestReceived","verb":"impersonate","stageTimestamp":"2026-11-14T03:20:11Z"}') as ParsedEvent;
  assert.deepEqual(received.fields['event.type'], ['info']);
  assert.equal(received.fields['event.outcome'], 'unknown');
  assert.equal(received.ts, Date.UTC(2026, 10, 14, 3, 20, 11));
});

test('JSON that is not an audit event is refused with the reason, and a stream of them stays json', () => {
  assert.match(parse('{"kind":"Pod","apiVersion":"v1","metadata":{}}') as string, /not a Kubernetes audit event/);
  assert.match(parse('{"kind":"Event","apiVersion":"v1","verb":"get"}') as string, /not a Kubernetes audit event/);
  assert.equal(typeof parse('not json'), 'string');
  // a core/v1 Event (kubectl get events -o json) is no audit event
  const coreEvents = ['{"kind":"Event","apiVersion":"v1","reason":"Pulled","message":"ok","lastTimestamp":"2026-11-14T03:20:11Z"}'];
  assert.equal(parseLines(coreEvents).parser.name, 'json');
});
