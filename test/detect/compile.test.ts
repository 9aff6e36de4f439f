/** Sigma matching semantics, checked by running the compiled SQL over hand-made events. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../src/detect/load.js';
import { compileDetection } from '../../src/detect/compile.js';
import { listId, registerSqlFunctions } from '../../src/detect/regex.js';
import type { DetectionRule } from '../../src/detect/model.js';
import { testStore, sec } from '../helpers/events.js';

const store = testStore();
registerSqlFunctions(store.db);
const web = (path: string, extra: Record<string, unknown> = {}, raw?: string) =>
  store.add(sec(1), 'web.access', { 'url.original': path, 'url.path': path.split('?')[0], 'source.ip': '203.0.113.7', 'http.request.method': 'GET', 'http.response.status_code': 200, ...extra }, raw ?? `GET ${path}`);

const ids = {
  union: web('/products?id=1 union select password from users', { 'user_agent.original': 'sqlmap/1.8' }),
  traversal: web('/download?file=../../etc/passwd', { 'user_agent.original': 'Mozilla/5.0' }),
  star: web('/lit*eral?q=a_b%c', { 'user_agent.original': 'curl/8.5.0' }),
  status404: web('/missing', { 'http.response.status_code': 404, 'user_agent.original': 'Mozilla/5.0' }),
  b64: web('/x?payload=' + Buffer.from('xx /bin/bash -i').toString('base64'), { 'user_agent.original': 'Mozilla/5.0' }),
  v6: web('/', { 'source.ip': '2001:db8::5', 'user_agent.original': 'UPPER Case Agent' }),
  noUa: web('/no-agent'),
  refself: web('/self', { 'http.request.referrer': '/SELF', 'user_agent.original': 'x' }),
};
const audit = store.add(sec(2), 'auditd.log', { auditd: { type: ['SYSCALL', 'EXECVE', 'PATH'], a0: 'curl', a1: '-s', name: ['/usr/bin/curl', '/etc/shadow'], syscall_name: 'execve' } }, 'type=SYSCALL ...');
const syslog = (program: string, message: string, dataset = 'system.syslog') =>
  store.add(sec(4), dataset, { 'process.name': program, message }, `Mar  7 10:00:01 h ${program}[2]: ${message}`);
const nimbus = syslog('networkd-dispatcher', 'ERROR:Error handling notification for interface ../../../../tmp/x');
const named = syslog('named', 'exiting (due to fatal error)');
const crontab = syslog('crontab', '(root) REPLACE (root)');
const pkexec = syslog('pkexec', 'alice: The value for environment variable XAUTHORITY contains suspicious content [USER=root] [TTY=/dev/pts/0]', 'system.auth');
// iptables -t nat ... --to-ports 42392: every argument its own a<n>="..."; the argument with a space is hex
const bpfdoor = store.add(sec(5), 'auditd.log', { 'process.command_line': 'iptables -t nat -A PREROUTING -p tcp --dport 443 -j REDIRECT --to-ports 42392 my rule', auditd: { type: ['SYSCALL', 'EXECVE'], a0: 'iptables' } },
  'type=EXECVE msg=audit(1.000:1): argc=13 a0="iptables" a1="-t" a2="nat" a3="-A" a4="PREROUTING" a5="-p" a6="tcp" a7="--dport" a8="443" a9="-j" a10="REDIRECT" a11="--to-ports" a12="42392" a13=6D792072756C65');
const sshd = store.add(sec(3), 'system.auth', { 'process.name': 'sshd', message: 'Accepted password for root from 203.0.113.7 port 22 ssh2' }, 'Nov 14 03:00:03 h sshd[1]: Accepted password for root from 203.0.113.7 port 22 ssh2');

function rule(detection: string, logsource = 'category: webserver'): DetectionRule {
  const text = `title: t\nlogsource:\n  ${logsource.replace(/\n/g, '\n  ')}\ndetection:\n  ${detection.trim().replace(/\n/g, '\n  ')}\n`;
  const res = loadText(text, 'inline.yml');
  assert.equal(res.skipped.length, 0, JSON.stringify(res.skipped));
  return res.rules[0] as DetectionRule;
}

function matched(detection: string, logsource?: string): number[] {
  const c = compileDetection(rule(detection, logsource));
  if (typeof c === 'string') throw new Error(c);
  const sql = `SELECT e.id FROM events e WHERE (${c.scope.sql}) AND (${c.match.sql}) ORDER BY e.id`;
  return (store.db.prepare(sql).all(...c.scope.params, ...c.match.params) as { id: number }[]).map((r) => r.id);
}

function reason(detection: string, logsource?: string): string {
  const c = compileDetection(rule(detection, logsource));
  assert.equal(typeof c, 'string', 'expected the rule to be refused');
  return c as string;
}

test('contains, startswith, endswith are case-insensitive; lists are ORed', () => {
  assert.deepEqual(matched(`sel:\n  cs-uri-query|contains: ['union select', '../']\ncondition: sel`), [ids.union, ids.traversal]);
  assert.deepEqual(matched(`sel:\n  cs-user-agent|startswith: 'SQLMAP/'\ncondition: sel`), [ids.union]);
  assert.deepEqual(matched(`sel:\n  cs-user-agent|endswith: 'case agent'\ncondition: sel`), [ids.v6]);
});

test('plain values are whole-value matches with * and ? wildcards and \\ escapes', () => {
  assert.deepEqual(matched(`sel:\n  cs-uri-stem: '/missing'\ncondition: sel`), [ids.status404]);
  assert.deepEqual(matched(`sel:\n  cs-uri-stem: '/miss*'\ncondition: sel`), [ids.status404]);
  assert.deepEqual(matched(`sel:\n  cs-uri-stem: '/?elf'\ncondition: sel`), [ids.refself]);
  // an escaped star is a literal star; % and _ in the data are not wildcards
  assert.deepEqual(matched(`sel:\n  cs-uri-stem: '/lit\\*eral'\ncondition: sel`), [ids.star]);
  assert.deepEqual(matched(`sel:\n  cs-uri-stem: '/lit*eral'\ncondition: sel`), [ids.star]);
  assert.deepEqual(matched(`sel:\n  cs-uri-query|contains: 'a_b%c'\ncondition: sel`), [ids.star]);
  assert.deepEqual(matched(`sel:\n  cs-uri-query|contains: 'aXb'\ncondition: sel`), []);
});

test('numbers, comparisons, maps ANDed, |all', () => {
  assert.deepEqual(matched(`sel:\n  sc-status: 404\ncondition: sel`), [ids.status404]);
  assert.deepEqual(matched(`sel:\n  sc-status|gte: 400\ncondition: sel`), [ids.status404]);
  assert.deepEqual(matched(`sel:\n  sc-status|lt: 400\n  cs-uri-stem: '/self'\ncondition: sel`), [ids.refself]);
  assert.deepEqual(matched(`sel:\n  cs-uri-query|contains|all: ['union', 'password']\ncondition: sel`), [ids.union]);
  assert.deepEqual(matched(`sel:\n  cs-uri-query|contains|all: ['union', 'shadow']\ncondition: sel`), []);
});

test('null means absent; exists; not with an absent field is true', () => {
  assert.deepEqual(matched(`sel:\n  cs-user-agent: null\ncondition: sel`), [ids.noUa]);
  assert.deepEqual(matched(`sel:\n  cs-referer|exists: true\ncondition: sel`), [ids.refself]);
  assert.equal(matched(`sel:\n  cs-method: GET\nfilter:\n  cs-user-agent|contains: mozilla\ncondition: sel and not filter`).length, 5);
});

test('re with flags runs in linear time; cidr v4 and v6; base64offset; fieldref; cased', () => {
  assert.deepEqual(matched(`sel:\n  cs-uri-query|re: 'UNION\\s+SELECT'\ncondition: sel`), []);
  assert.deepEqual(matched(`sel:\n  cs-uri-query|re|i: 'UNION\\s+SELECT'\ncondition: sel`), [ids.union]);
  assert.deepEqual(matched(`sel:\n  cs-uri-query|re: '(?i)union\\s+select'\ncondition: sel`), [ids.union]);
  assert.deepEqual(matched(`sel:\n  cs-user-agent|re: '(?i)upper case'\ncondition: sel`), [ids.v6], 'an inline (?i) folds the text too');
  assert.deepEqual(matched(`sel:\n  c-ip|cidr: '203.0.113.0/24'\n  cs-uri-stem: /missing\ncondition: sel`), [ids.status404]);
  assert.deepEqual(matched(`sel:\n  c-ip|cidr: '2001:db8::/32'\ncondition: sel`), [ids.v6]);
  assert.deepEqual(matched(`sel:\n  cs-uri-query|base64offset|contains: '/bin/bash'\ncondition: sel`), [ids.b64]);
  assert.deepEqual(matched(`sel:\n  cs-referer|fieldref: cs-uri-stem\ncondition: sel`), [ids.refself]);
  assert.deepEqual(matched(`sel:\n  cs-user-agent|cased: 'UPPER*'\ncondition: sel`), [ids.v6]);
  assert.deepEqual(matched(`sel:\n  cs-user-agent|cased: 'upper*'\ncondition: sel`), []);
});

test('1 of / all of, keyword lists over the raw line or the message', () => {
  assert.deepEqual(matched(`selection_a:\n  cs-user-agent|contains: sqlmap\nselection_b:\n  sc-status: 404\ncondition: 1 of selection_*`), [ids.union, ids.status404]);
  assert.deepEqual(matched(`selection_a:\n  cs-method: GET\nselection_b:\n  sc-status: 404\ncondition: all of them`), [ids.status404]);
  assert.deepEqual(matched(`keywords:\n  - 'etc/passwd'\ncondition: keywords`), [ids.traversal]);
  assert.deepEqual(matched(`keywords:\n  - 'accepted password for root'\ncondition: keywords`, 'product: linux\nservice: sshd'), [sshd]);
  assert.deepEqual(matched(`keywords:\n  '|all': ['accepted', 'port 22']\ncondition: keywords`, 'product: linux\nservice: sshd'), [sshd]);
  assert.deepEqual(matched(`keywords:\n  '|all': ['accepted', 'port 23']\ncondition: keywords`, 'product: linux\nservice: sshd'), []);
});

test("syslog keywords read the message behind its program's name, as the line writes them", () => {
  // a keyword that names the program (Nimbuspwn, PwnKit), or starts with the space after the tag (named)
  assert.deepEqual(matched(`keywords:\n  '|all': ['networkd-dispatcher', 'Error handling notification for interface', '../../']\ncondition: keywords`, 'product: linux'), [nimbus]);
  assert.deepEqual(matched(`keywords:\n  - ' exiting (due to fatal error)'\ncondition: keywords`, 'product: linux\nservice: syslog'), [named]);
  assert.deepEqual(matched(`keywords:\n  '|all': ['pkexec', 'XAUTHORITY contains suspicious content', '[USER=root] [TTY=/dev/pts/0]']\ncondition: keywords`, 'product: linux\nservice: auth'), [pkexec]);
  // crontab's edits are cron lines; the program name alone is not a message
  assert.deepEqual(matched(`keywords:\n  - 'REPLACE'\ncondition: keywords`, 'product: linux\nservice: cron'), [crontab]);
  assert.deepEqual(matched(`keywords:\n  - 'networkd-dispatcher ERROR'\ncondition: keywords`, 'product: linux'), [nimbus]);
  // the tag's colon is not text the message holds: Remote File Copy asks for 'sftp ' and a ':' (host:path)
  assert.deepEqual(matched(`keywords:\n  '|all': ['crontab', ':']\ncondition: keywords`, 'product: linux'), []);
  assert.deepEqual(matched(`keywords:\n  - 'h networkd'\ncondition: keywords`, 'product: linux'), [], 'the host name is not searched');
});

test('auditd keywords read the decoded command line too: arguments are quoted one by one, or hex-encoded', () => {
  assert.deepEqual(matched(`keywords:\n  - '--to-ports 42'\ncondition: keywords`, 'product: linux\nservice: auditd'), [bpfdoor]);
  assert.deepEqual(matched(`keywords:\n  - 'my rule'\ncondition: keywords`, 'product: linux\nservice: auditd'), [bpfdoor]);
  assert.deepEqual(matched(`keywords:\n  - 'a11="--to-ports"'\ncondition: keywords`, 'product: linux\nservice: auditd'), [bpfdoor], 'the raw records still');
});

test('auditd: multi-valued record fields match any element', () => {
  const ls = 'product: linux\nservice: auditd';
  assert.deepEqual(matched(`sel:\n  type: EXECVE\n  a0: curl\ncondition: sel`, ls), [audit]);
  assert.deepEqual(matched(`sel:\n  type: PATH\n  name: /etc/shadow\ncondition: sel`, ls), [audit]);
  assert.deepEqual(matched(`sel:\n  SYSCALL: execve\ncondition: sel`, ls), [audit]);
  assert.deepEqual(matched(`sel:\n  type: CONFIG_CHANGE\ncondition: sel`, ls), []);
});

test('auditd: the necessary literals of a multi-valued field are looked for in the stored JSON text', () => {
  const ls = 'product: linux\nservice: auditd';
  const needs = (detection: string) => {
    const c = compileDetection(rule(detection, ls));
    if (typeof c === 'string') throw new Error(c);
    return c.needs && Object.fromEntries(c.needs);
  };
  const prefilter = (literals: string[]) =>
    store.db.prepare('SELECT e.id FROM events e WHERE sigma_any(e.extra, ?) ORDER BY e.id').pluck().all(listId('contains', literals)) as number[];
  // of the selection's two necessary literals, the longer (rarer) one: nearly every record group has a PATH record
  assert.deepEqual(needs(`sel:\n  type: PATH\n  name|endswith: /Shadow\ncondition: sel`), { 'e.extra': ['/shadow'] });
  assert.deepEqual(needs(`sel:\n  name|contains: '/etc/sha*ow'\ncondition: sel`), { 'e.extra': ['/etc/sha'] });
  // the prefilter passes every event the rule matches: here the one auditd event
  assert.deepEqual(prefilter(['/etc/sha']), [audit]);
  assert.deepEqual(prefilter(['/etc/gshadow']), []);
  // a value JSON would escape (a quote, a backslash) cannot be found verbatim in the text: no prefilter
  assert.equal(needs(`sel:\n  a0|contains: 'say "hi"'\ncondition: sel`), undefined);
  assert.equal(needs(`sel:\n  a0|contains: 'C:\\\\x'\ncondition: sel`), undefined);
});

test('refusals carry a reason: unmapped fields and log sources, windash, unsafe regexes', () => {
  assert.match(reason(`sel:\n  cs-cookie: x\ncondition: sel`), /field "cs-cookie" has no mapping for logsource category: webserver/);
  assert.match(reason(`sel:\n  Image: x\ncondition: sel`, 'product: windows\ncategory: process_creation'), /no field mapping for logsource/);
  assert.match(reason(`sel:\n  cs-uri-query|re: '(a)\\1'\ncondition: sel`), /backreference/);
  assert.match(reason(`sel:\n  cs-uri-query|re: '(?<=a)b'\ncondition: sel`), /lookaround/);
  const wide = loadText(`title: t\nlogsource:\n  category: webserver\ndetection:\n  sel:\n    cs-uri-query|wide: 'x'\n  condition: sel\n`, 'w.yml');
  assert.match(wide.skipped[0].reason, /modifier "wide" is not supported/);
  assert.deepEqual([wide.skipped[0].where?.line, wide.skipped[0].where?.col], [6, 5]);
  assert.match(reason(`sel:\n  cs-uri-query|re|m: '\\Aroot'\ncondition: sel`), /\\A, \\Z or \\z with the m flag/);
  // a network ip_in_cidr cannot read matched nothing, silently: a prefix too long, an octet too large, three octets
  for (const net of ['10.0.0.0/33', '300.0.0.0/8', '10.0.0/8', '2001:db8::/129', '2001:db8:::1/64']) {
    assert.match(reason(`sel:\n  c-ip|cidr: '${net}'\ncondition: sel`), /\|cidr needs a network such as 10\.0\.0\.0\/8/, net);
  }
});

test('a catastrophic regex against a long hostile value finishes in bounded time', () => {
  store.add(sec(9), 'web.access', { 'url.original': 'a'.repeat(200_000) + '!', 'user_agent.original': 'x' }, 'aaa');
  const started = Date.now();
  assert.deepEqual(matched(`sel:\n  cs-uri-query|re: '(a+)+$'\ncondition: sel`), []);
  // generous: the point is that it returns at all (backtracking would take longer than the universe's age)
  assert.ok(Date.now() - started < 20_000);
});

test('a regex the linear engine refuses runs on backtracking only when that is cheap; exponential ones are refused', () => {
  // (a|a){1,100}c took two minutes on 36 characters of "a": a repeated group with two ways to match one "a"
  for (const re of ['(a|a){1,100}c', '^(\\w|\\w\\w){1,60}$', '((a{1,10}){1,10}){1,10}c', '\\w{1,64}\\w{1,64}x']) {
    assert.match(reason(`sel:\n  cs-uri-query|re: '${re}'\ncondition: sel`), /repeats a group, or multiplies counted repetitions/, re);
  }
  // common in Sigma rules, refused by the linear engine, cheap on backtracking: they still run
  store.add(sec(10), 'web.access', { 'url.original': `/x?h=${'0f'.repeat(16)}`, 'user_agent.original': 'x' }, 'hash');
  assert.equal(matched(`sel:\n  cs-uri-query|re: 'h=[0-9a-f]{32}$'\ncondition: sel`).length, 1);
  assert.equal(matched(`sel:\n  cs-uri-query|re: '.{20}'\ncondition: sel`).length > 0, true);
});

test('a long minimum count runs in counts the linear engine takes: [^/]{40,}$ (a long file name) is not refused', () => {
  const own = testStore();
  registerSqlFunctions(own.db);
  const add = (path: string) => own.add(sec(1), 'web.access', { 'url.original': path, 'url.path': path, 'user_agent.original': 'x' }, `GET ${path}`);
  const long = add(`/files/${'n'.repeat(40)}`);
  add(`/files/${'n'.repeat(39)}`);
  // hostile: a long run that a slash ends; backtracking alone tries every length at every start
  add(`/${'a'.repeat(200_000)}/x`);
  const c = compileDetection(rule(`sel:\n  cs-uri-query|re: '[^/]{40,}$'\ncondition: sel`));
  assert.notEqual(typeof c, 'string', String(c));
  if (typeof c === 'string') return;
  const started = Date.now();
  const got = (own.db.prepare(`SELECT e.id FROM events e WHERE (${c.scope.sql}) AND (${c.match.sql})`).all(...c.scope.params, ...c.match.params) as { id: number }[]).map((r) => r.id);
  assert.deepEqual(got, [long]);
  assert.ok(Date.now() - started < 20_000);
  // a repeated group is no single character: still refused
  assert.match(reason(`sel:\n  cs-uri-query|re: '(ab){20,}c'\ncondition: sel`), /large counted repetition/);
});

test("a mapping's where: alternatives ORed, a list field matched by element (file_event: created or overwritten)", () => {
  const own = testStore();
  registerSqlFunctions(own.db);
  const write = (syscall: string, category: string[], type: string[], outcome: string, flags?: string[]) =>
    own.add(sec(1), 'auditd.log', { 'event.category': category, 'event.type': type, 'event.outcome': outcome, 'file.path': '/etc/cron.d/x', auditd: { syscall_name: syscall, ...(flags && { open_flags: flags }) } }, 'type=SYSCALL ...');
  const created = write('openat', ['file'], ['creation'], 'success', ['O_WRONLY', 'O_CREAT', 'O_TRUNC']);
  const overwritten = write('openat', ['file'], ['change'], 'success', ['O_WRONLY', 'O_CREAT', 'O_TRUNC']);
  const creat = write('creat', ['file'], ['creation'], 'success');
  write('openat', ['file'], ['change'], 'success', ['O_WRONLY', 'O_CREAT', 'O_APPEND']); // appended
  write('openat', ['file'], ['creation'], 'failure', ['O_WRONLY', 'O_CREAT']); // refused by the kernel
  write('mkdir', ['file'], ['creation'], 'success'); // a folder
  write('rename', ['file'], ['change'], 'success'); // moved into place
  own.add(sec(1), 'auditd.log', { 'event.category': ['iam'], 'event.type': ['user', 'creation'], 'event.outcome': 'success', 'file.path': '/etc/x' }, 'type=ADD_USER ...');
  const c = compileDetection(rule(`sel:\n  TargetFilename|startswith: '/etc/'\ncondition: sel`, 'product: linux\ncategory: file_event'));
  if (typeof c === 'string') throw new Error(c);
  const got = (own.db.prepare(`SELECT e.id FROM events e WHERE (${c.scope.sql}) AND (${c.match.sql}) ORDER BY e.id`).all(...c.scope.params, ...c.match.params) as { id: number }[]).map((r) => r.id);
  assert.deepEqual(got, [created, overwritten, creat]);
});

test('a group around one character repeated at least m times runs (SigmaHQ: a command line of 200 characters or more)', () => {
  const own = testStore();
  registerSqlFunctions(own.db);
  const add = (q: string) => own.add(sec(1), 'web.access', { 'url.original': `/x?${q}`, 'url.path': '/x', 'user_agent.original': 'x' }, q);
  const ids = { long: add('q=' + 'a'.repeat(200)), short: add('q=' + 'a'.repeat(150)), lines: add(('b'.repeat(100) + '\n').repeat(3)) };
  const run = (re: string) => {
    const c = compileDetection(rule(`sel:\n  cs-uri-query|re: '${re}'\ncondition: sel`));
    if (typeof c === 'string') return c;
    return (own.db.prepare(`SELECT e.id FROM events e WHERE (${c.scope.sql}) AND (${c.match.sql}) ORDER BY e.id`).all(...c.scope.params, ...c.match.params) as { id: number }[]).map((r) => r.id);
  };
  // before: refused as "a large counted repetition with unbounded quantifiers"
  assert.deepEqual(run('(.){200,}'), [ids.long]);
  assert.deepEqual(run('(?:.){200,}'), [ids.long]);
  assert.deepEqual(run('q=[a-z]{200,}'), [ids.long]);
  // a line of 100 characters is not 200 of "." (which stops at a line end)
  assert.deepEqual(run('b{101,}'), []);
  // not at the end: written in counts the linear engine takes (the test above), so it runs; a repeated group of
  // more than one character is still refused
  assert.deepEqual(run('.{200,}x'), []);
  assert.deepEqual(run('\\\\.{200,}$'), []);
  assert.match(String(run('(ab){200,}')), /unbounded quantifiers/);
});

test('numbers compare only with numbers; non-ASCII values fold as JavaScript does; regex escapes and anchors', () => {
  const own = testStore();
  registerSqlFunctions(own.db);
  const add = (ua: string, extra: Record<string, unknown> = {}) =>
    own.add(sec(1), 'web.access', { 'url.original': '/', 'url.path': '/', 'source.ip': '203.0.113.9', 'http.response.status_code': 200, 'user_agent.original': ua, ...extra }, `GET / ${ua}`);
  const ids = { text: add('Mozilla/5.0'), digits: add('12abc'), number: add('7'), signed: add(' -3.5 '), ecole: add('ÉCOLE'), path: add('C:\\Apps\\Zed'), abc: add('ABC'), lines: add('first\nsecond') };
  const run = (detection: string) => {
    const c = compileDetection(rule(detection));
    if (typeof c === 'string') throw new Error(c);
    return (own.db.prepare(`SELECT e.id FROM events e WHERE (${c.scope.sql}) AND (${c.match.sql}) ORDER BY e.id`).all(...c.scope.params, ...c.match.params) as { id: number }[]).map((r) => r.id);
  };
  // text that is not a number is neither 0 nor its leading digits
  assert.deepEqual(run(`sel:\n  cs-user-agent|lt: 10\ncondition: sel`), [ids.number, ids.signed]);
  assert.deepEqual(run(`sel:\n  cs-user-agent|gte: 0\ncondition: sel`), [ids.number]);
  assert.deepEqual(run(`sel:\n  cs-user-agent|gt: 10\ncondition: sel`), []);
  // and `not` of a comparison holds where the value is no number
  assert.equal(run(`sel:\n  cs-user-agent|lt: 10\ncondition: not sel`).length, 6);
  assert.deepEqual(run(`sel:\n  sc-status|gte: 200\n  cs-user-agent: abc\ncondition: sel`), [ids.abc]);
  // one or two values went through LIKE, which folds only ASCII; three went through JavaScript
  assert.deepEqual(run(`sel:\n  cs-user-agent: 'école'\ncondition: sel`), [ids.ecole]);
  assert.deepEqual(run(`sel:\n  cs-user-agent|contains: 'éco'\ncondition: sel`), [ids.ecole]);
  assert.deepEqual(run(`sel:\n  cs-user-agent|startswith: ['éc', 'x']\ncondition: sel`), [ids.ecole]);
  // an escaped backslash before A or Z is a backslash, not an anchor
  assert.deepEqual(run(`sel:\n  cs-user-agent|re: 'C:\\\\Apps\\\\Zed'\ncondition: sel`), [ids.path]);
  assert.deepEqual(run(`sel:\n  cs-user-agent|re: '\\Afirst\\nsecond\\z'\ncondition: sel`), [ids.lines]);
  // a letter written as an escape is folded with the text under the i flag; class escapes keep their meaning
  assert.deepEqual(run(`sel:\n  cs-user-agent|re|i: '^\\x41\\u0062C$'\ncondition: sel`), [ids.abc]);
  assert.deepEqual(run(`sel:\n  cs-user-agent|re|i: '^\\D+$'\ncondition: sel`), [ids.ecole, ids.path, ids.abc, ids.lines]);
});

test('windash: an option written with any of the five dashes', () => {
  const own = testStore();
  registerSqlFunctions(own.db);
  const add = (q: string) => own.add(sec(1), 'web.access', { 'url.original': q, 'url.path': '/', 'source.ip': '203.0.113.9' }, `GET ${q}`);
  const ids = [add('/run?c=certutil -urlcache -f'), add('/run?c=certutil /urlcache /f'), add('/run?c=certutil \u2013urlcache \u2015f'), add('/run?c=certutil urlcache')];
  const c = compileDetection(rule(`sel:\n  cs-uri-query|windash|contains: 'certutil -urlcache -f'\ncondition: sel`));
  if (typeof c === 'string') throw new Error(c);
  const got = (own.db.prepare(`SELECT e.id FROM events e WHERE ${c.match.sql} ORDER BY e.id`).all(...c.match.params) as { id: number }[]).map((r) => r.id);
  assert.deepEqual(got, ids.slice(0, 3));
  // the rule may write the option with any of the five: each is converted into the others (Sigma v2.1)
  for (const written of ['certutil \u2013urlcache /f', 'certutil \u2014urlcache \u2015f']) {
    const d = compileDetection(rule(`sel:\n  cs-uri-query|windash|contains: '${written}'\ncondition: sel`));
    if (typeof d === 'string') throw new Error(d);
    assert.deepEqual((own.db.prepare(`SELECT e.id FROM events e WHERE ${d.match.sql} ORDER BY e.id`).all(...d.match.params) as { id: number }[]).map((r) => r.id), ids.slice(0, 3), written);
  }
});

test('cs-host: the host of an absolute request target, else the virtual host that served the request', () => {
  const own = testStore();
  registerSqlFunctions(own.db);
  const vhost = own.add(sec(1), 'web.access', { 'destination.domain': 'www.example.com', 'url.original': '/', 'source.ip': '198.51.100.1' });
  own.add(sec(2), 'web.access', { 'destination.domain': 'other.example.org', 'url.original': '/', 'source.ip': '198.51.100.2' });
  const proxy = own.add(sec(3), 'web.access', { 'url.domain': 'www.example.com', 'url.original': 'http://www.example.com/', 'source.ip': '198.51.100.3' });
  const c = compileDetection(rule(`sel:\n  cs-host: WWW.example.com\ncondition: sel`));
  if (typeof c === 'string') throw new Error(c);
  const got = (own.db.prepare(`SELECT e.id FROM events e WHERE ${c.match.sql} ORDER BY e.id`).all(...c.match.params) as { id: number }[]).map((r) => r.id);
  assert.deepEqual(got, [vhost, proxy]);
});

test('cs-uri-query: the whole request target (paths in rules), or the query alone as IIS logs it', () => {
  const own = testStore();
  registerSqlFunctions(own.db);
  const add = (target: string) => {
    const [p, q] = target.split('?');
    return own.add(sec(1), 'web.access', { 'url.original': target, 'url.path': p, 'url.query': q, 'source.ip': '198.51.100.1' }, `GET ${target}`);
  };
  const shell = add('/irj/servlet_jsp/irj/root/shell.jsp?cmd=id');
  const bare = add('/irj/servlet_jsp/irj/root/shell.jsp');
  const traversal = add('/download?file=../../etc/passwd');
  const compiled = (detection: string) => {
    const c = compileDetection(rule(detection));
    if (typeof c === 'string') throw new Error(c);
    return c;
  };
  const got = (detection: string) => {
    const c = compiled(detection);
    return (own.db.prepare(`SELECT e.id FROM events e WHERE ${c.match.sql} ORDER BY e.id`).all(...c.match.params) as { id: number }[]).map((r) => r.id);
  };
  // the query starts with cmd= (the target never does)
  assert.deepEqual(got(`sel:\n  cs-uri-query|startswith: 'cmd='\ncondition: sel`), [shell]);
  // no query at all: null, and exists: false
  assert.deepEqual(got(`sel:\n  cs-uri-query: null\ncondition: sel`), [bare]);
  assert.deepEqual(got(`sel:\n  cs-uri-query|exists: false\ncondition: sel`), [bare]);
  // paths, as SigmaHQ rules write them: contains, exact, endswith on the whole target
  assert.deepEqual(got(`sel:\n  cs-uri-query|contains: '../../etc/'\ncondition: sel`), [traversal]);
  assert.deepEqual(got(`sel:\n  cs-uri-query: '/irj/servlet_jsp/irj/root/shell.jsp'\ncondition: sel`), [bare]);
  assert.deepEqual(got(`sel:\n  cs-uri-query|endswith: '.jsp'\ncondition: sel`), [bare]);
  // a rule that excludes requests without a query
  assert.deepEqual(got(`sel:\n  cs-uri-stem|endswith: '.jsp'\nfilter:\n  cs-uri-query: null\ncondition: sel and not filter`), [shell]);
  // the scan's necessary literals are looked for in both fields
  assert.deepEqual(Object.fromEntries(compiled(`sel:\n  cs-uri-query|startswith: 'cmd='\ncondition: sel`).needs!), { 'e.url_original': ['cmd='], 'e.url_query': ['cmd='] });
  // what the query contains, the whole target contains: a contains item reads the target alone, once per request
  const contains = compiled(`sel:\n  cs-uri-query|contains: 'cmd='\ncondition: sel`);
  assert.deepEqual(Object.fromEntries(contains.needs!), { 'e.url_original': ['cmd='] });
  assert.doesNotMatch(contains.match.sql, /url_query/);
  assert.deepEqual(got(`sel:\n  cs-uri-query|contains: 'cmd='\ncondition: sel`), [shell]);
});

test("a parser's own fields (ssh.invalid_user, source.domain) are known to rules in a process that parsed nothing", () => {
  const own = testStore();
  const invalid = own.add(sec(1), 'system.auth', { 'process.name': 'sshd', 'ssh.invalid_user': true, 'user.name': 'admin', 'source.domain': 'h.example.net' });
  own.add(sec(2), 'system.auth', { 'process.name': 'sshd', 'user.name': 'root', 'source.ip': '198.51.100.2' });
  const c = compileDetection(rule(`sel:\n  ssh.invalid_user: true\n  source.domain|exists: true\ncondition: sel`, 'product: linux\nservice: sshd'));
  if (typeof c === 'string') throw new Error(c);
  const got = (own.db.prepare(`SELECT e.id FROM events e WHERE ${c.match.sql} ORDER BY e.id`).all(...c.match.params) as { id: number }[]).map((r) => r.id);
  assert.deepEqual(got, [invalid]);
});

test('|all joins the values, each in any of the forms windash or base64offset expands it into', () => {
  const own = testStore();
  registerSqlFunctions(own.db);
  const add = (q: string) => own.add(sec(1), 'web.access', { 'url.original': q, 'url.path': '/', 'source.ip': '203.0.113.9' }, `GET ${q}`);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const ids = {
    dashes: add('/run?c=powershell -enc x /nop'),
    one: add('/run?c=powershell \u2013enc x'),
    shifted: add(`/run?p=${b64('a; whoami; echo hi')}`),
    half: add(`/run?p=${b64('x whoami')}`),
  };
  const run = (detection: string) => {
    const c = compileDetection(rule(detection));
    if (typeof c === 'string') throw new Error(c);
    return (own.db.prepare(`SELECT e.id FROM events e WHERE ${c.match.sql} ORDER BY e.id`).all(...c.match.params) as { id: number }[]).map((r) => r.id);
  };
  // before: every dash form of every value was required at once, so nothing could match
  assert.deepEqual(run(`sel:\n  cs-uri-query|windash|contains|all: ['-enc', '-nop']\ncondition: sel`), [ids.dashes]);
  assert.deepEqual(run(`sel:\n  cs-uri-query|windash|contains: ['-enc', '-nop']\ncondition: sel`), [ids.dashes, ids.one]);
  assert.deepEqual(run(`sel:\n  cs-uri-query|base64offset|contains|all: ['whoami', 'echo']\ncondition: sel`), [ids.shifted]);
  assert.deepEqual(run(`sel:\n  cs-uri-query|base64offset|contains: ['whoami', 'echo']\ncondition: sel`), [ids.shifted, ids.half]);
});

test('|fieldref folds letters beyond ASCII as plain values do, and |cased compares the two fields as written', () => {
  const own = testStore();
  registerSqlFunctions(own.db);
  const add = (path: string, referrer: string) => own.add(sec(1), 'web.access', { 'url.original': path, 'url.path': path, 'http.request.referrer': referrer, 'source.ip': '203.0.113.9' }, `GET ${path}`);
  const ids = { accents: add('/école', '/ÉCOLE'), upper: add('/self', '/SELF'), same: add('/self', '/self'), other: add('/a', '/b') };
  const run = (detection: string) => {
    const c = compileDetection(rule(detection));
    if (typeof c === 'string') throw new Error(c);
    return (own.db.prepare(`SELECT e.id FROM events e WHERE ${c.match.sql} ORDER BY e.id`).all(...c.match.params) as { id: number }[]).map((r) => r.id);
  };
  // before: SQLite's lower() left É as it is, and |cased was ignored
  assert.deepEqual(run(`sel:\n  cs-referer|fieldref: cs-uri-stem\ncondition: sel`), [ids.accents, ids.upper, ids.same]);
  assert.deepEqual(run(`sel:\n  cs-referer|fieldref|contains: cs-uri-stem\ncondition: sel`), [ids.accents, ids.upper, ids.same]);
  assert.deepEqual(run(`sel:\n  cs-referer|fieldref|neq: cs-uri-stem\ncondition: sel`), [ids.other]);
  assert.deepEqual(run(`sel:\n  cs-referer|fieldref|cased: cs-uri-stem\ncondition: sel`), [ids.same]);
});

test('a selection that names nothing, a field with no value and |exists with no boolean are refused, not run', () => {
  const refused = (detection: string) => {
    const text = `title: t\nlogsource:\n  category: webserver\ndetection:\n  ${detection.trim().replace(/\n/g, '\n  ')}\n`;
    const res = loadText(text, 'inline.yml');
    assert.equal(res.rules.length, 0, `loaded: ${detection}`);
    return res.skipped[0].reason;
  };
  // before: `sel: {}` matched every request, `[]` matched none (and `not sel` every one), `exists: 'yes'` meant false
  assert.match(refused(`sel: {}\ncondition: sel`), /selection "sel" has no field to match/);
  assert.match(refused(`sel:\n  - cs-method: GET\n  - {}\ncondition: sel`), /selection "sel" has no field to match/);
  assert.match(refused(`sel: []\ncondition: sel`), /selection "sel" lists nothing to match/);
  assert.match(refused(`sel:\n  cs-user-agent: []\ncondition: not sel`), /"cs-user-agent" lists no value/);
  assert.match(refused(`sel:\n  cs-referer|exists: 'yes'\ncondition: sel`), /"cs-referer\|exists" takes true or false, not "yes"/);
  assert.match(refused(`sel:\n  cs-referer|exists: [true, false]\ncondition: sel`), /takes true or false/);
  assert.deepEqual(matched(`sel:\n  cs-referer|exists: 'true'\ncondition: sel`), [ids.refself]);
});

test('PCRE syntax that JavaScript reads as other text is refused with the construct named, not run', () => {
  const own = testStore();
  registerSqlFunctions(own.db);
  own.add(sec(1), 'web.access', { 'url.original': '/run?c=a*b 42', 'url.path': '/run', 'source.ip': '203.0.113.9', 'user_agent.original': 'tool\t-x' }, 'GET /run');
  // before: each loaded and matched nothing: \h was the letter h, \Q the letter Q, [[:digit:]] a class of "[:dgit"
  for (const [re, named] of [
    ['tool\\h-x', '\\h'],
    ['\\Qa*b\\E', '\\Q'],
    ['[[:digit:]]{2}', 'the POSIX class [:digit:]'],
    ['\\x{2a}', '\\x{'],
    ['\\p{L}+', '\\p'],
    ['tool\\v', '\\v'],
    ['\\u{2a}', '\\u{'],
  ]) {
    assert.equal(reason(`sel:\n  cs-uri-query|re: '${re}'\ncondition: sel`), `regex /${re}/: the regular expression uses ${named}, which PCRE reads differently from JavaScript (it would match other text, silently)`);
  }
  // what the two flavours share still runs: class escapes, \xHH, escaped punctuation, a backslash escaped
  const c = compileDetection(rule(`sel:\n  cs-uri-query|re: '\\?c=a\\x2ab\\s\\d\\d$'\ncondition: sel`));
  if (typeof c === 'string') throw new Error(c);
  assert.equal((own.db.prepare(`SELECT count(*) FROM events e WHERE ${c.match.sql}`).pluck().get(...c.match.params) as number), 1);
});
