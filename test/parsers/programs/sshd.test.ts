import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden } from '../../helpers/golden.js';
import { MTIME_2024, SYSLOG_FIXTURES, flatEvents, one } from './util.js';

test('sshd: golden file of every message shape', () => {
  checkGolden(path.join(SYSLOG_FIXTURES, 'sshd.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
});

test('sshd: login outcomes, methods and invalid users', () => {
  let f = one('Mar 10 08:00:02 h sshd[1]: Accepted publickey for alice from 203.0.113.50 port 50001 ssh2: ED25519 SHA256:abc');
  assert.equal(f['event.action'], 'ssh_login');
  assert.equal(f['event.outcome'], 'success');
  assert.equal(f['ssh.method'], 'publickey');
  assert.equal(f['ssh.signature'], 'ED25519 SHA256:abc');
  assert.equal(f['source.port'], 50001);
  assert.equal(f['event.dataset'], 'system.auth');
  f = one('Mar 10 08:00:05 h sshd[2]: Failed password for invalid user admin from 198.51.100.23 port 40001 ssh2');
  assert.deepEqual([f['event.action'], f['event.outcome'], f['user.name'], f['ssh.invalid_user'], f['source.ip']], ['ssh_login', 'failure', 'admin', true, '198.51.100.23']);
  f = one('Mar 10 08:00:05 h sshd[2]: Failed keyboard-interactive for <invalid username> from 198.51.100.1 port 1 ssh2');
  assert.equal(f['user.name'], undefined, 'the placeholder is not a user name');
  assert.equal(f['ssh.invalid_user'], true);
  f = one('Mar 10 08:00:08 h sshd[3]: Invalid user  from 198.51.100.26 port 40004');
  assert.equal(f['user.name'], '', 'an empty user name is what the client sent');
  assert.equal(f['event.action'], 'ssh_invalid_user');
  // a bare carriage return in what the client sent: JavaScript's . does not match it without the s flag
  f = one('Mar 10 08:00:09 h sshd[3]: Failed password for invalid user ab\rc from 198.51.100.27 port 40005 ssh2');
  assert.deepEqual([f['event.action'], f['user.name'], f['source.ip']], ['ssh_login', 'ab\rc', '198.51.100.27']);
});

test('sshd: "illegal user" (OpenSSH before 3.9) is parsed exactly as "invalid user"', () => {
  const shapes = [
    'Mar 10 08:00:05 h sshd[2]: Q user admin from 203.0.113.5',
    'Mar 10 08:00:05 h sshd[2]: Failed password for q user admin from 203.0.113.5 port 4242 ssh2',
    'Mar 10 08:00:05 h sshd[2]: Failed none for q user admin from 203.0.113.5 port 4242 ssh2 [preauth]',
    'Mar 10 08:00:05 h sshd[2]: Postponed keyboard-interactive for q user admin from 203.0.113.5 port 4242 ssh2',
    'Mar 10 08:00:05 h sshd[2]: error: maximum authentication attempts exceeded for q user admin from 203.0.113.5 port 4242 ssh2 [preauth]',
    'Mar 10 08:00:05 h sshd[2]: Disconnecting: Too many authentication failures for q user admin [preauth]',
    'Mar 10 08:00:05 h sshd[2]: Connection closed by q user admin 203.0.113.5 port 4242 [preauth]',
    'Mar 10 08:00:05 h sshd[2]: Disconnected from q user admin 203.0.113.5 port 4242 [preauth]',
    'Mar 10 08:00:05 h sshd[2]: Disconnecting q user admin 203.0.113.5 port 4242: Change of username or service not allowed [preauth]',
    'Mar 10 08:00:05 h sshd[2]: ssh_dispatch_run_fatal: Connection from q user admin 203.0.113.5 port 4242: message authentication code incorrect [preauth]',
    'Mar 10 08:00:05 h sshd[2]: input_userauth_request: q user admin [preauth]',
    'Mar 10 08:00:05 h sshd[2]: error: PAM: User not known to the underlying authentication module for q user admin from 203.0.113.5',
  ];
  const parse = (line: string) => {
    const { message, 'event.original': _, ...f } = one(line);
    return f;
  };
  for (const shape of shapes) {
    const invalid = parse(shape.replace('Q', 'Invalid').replace(' q ', ' invalid '));
    assert.deepEqual([invalid['user.name'], invalid['ssh.invalid_user']], ['admin', true], shape);
    assert.deepEqual(parse(shape.replace('Q', 'Illegal').replace(' q ', ' illegal ')), invalid, shape);
  }
  const f = parse('Mar 10 08:00:05 h sshd[2]: Illegal user admin from 203.0.113.5');
  assert.deepEqual(
    [f['event.action'], f['event.outcome'], f['event.category'], f['source.ip']],
    ['ssh_invalid_user', 'failure', ['authentication'], '203.0.113.5'],
  );
});

test('sshd: [preauth] and the disconnect code never stick to the address', () => {
  const lines = [
    'Mar 10 08:00:08 h sshd[105]: Connection closed by authenticating user root 203.0.113.5 port 4242 [preauth]',
    'Mar 10 08:00:09 h sshd[106]: Disconnected from invalid user admin 203.0.113.5 port 4242 [preauth]',
    'Mar 10 08:00:10 h sshd[107]: Received disconnect from 203.0.113.5 port 4242:11: Bye Bye [preauth]',
    'Mar 10 08:00:11 h sshd[108]: Failed password for root from 203.0.113.5 port 4242 ssh2 [preauth]',
  ];
  for (const line of lines) {
    const f = one(line);
    assert.deepEqual([f['source.ip'], f['source.port'], f['event.outcome'], f['ssh.preauth']], ['203.0.113.5', 4242, 'failure', true], line);
  }
  const f = one('Mar 10 08:00:12 h sshd[109]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=host.example.com  user=root');
  assert.deepEqual([f['source.domain'], f['source.ip'], f['user.name']], ['host.example.com', undefined, 'root'], 'a resolved rhost (UseDNS) is a name, not an address');
});

test('sshd: text injected through the user name cannot move source.ip', () => {
  let f = one('Mar 10 08:00:22 h sshd[4]: Failed password for invalid user test from 198.51.100.38 port 55555 ssh2 from 192.0.2.99 port 40014 ssh2');
  assert.equal(f['source.ip'], '192.0.2.99');
  assert.equal(f['user.name'], 'test from 198.51.100.38 port 55555 ssh2');
  f = one('Mar 10 08:00:22 h sshd[4]: Failed password for invalid user test from 192.0.2.99 port 40014 ssh2: from 198.51.100.38 port 55555 ssh2');
  assert.equal(f['source.ip'], '192.0.2.99');
  assert.equal(f['user.name'], 'test');
  f = one('Mar 10 08:00:22 h sshd[4]: Connection closed by authenticating user test 192.0.2.7 port 12345 198.51.100.11 port 46039 [preauth]');
  assert.equal(f['source.ip'], '198.51.100.11');
  assert.equal(f['user.name'], 'test 192.0.2.7 port 12345');
  f = one("Mar 10 08:00:22 h sshd[4]: Bad protocol version identification 'x' from 192.0.2.1' from 198.51.100.12 port 31778");
  assert.equal(f['source.ip'], '198.51.100.12');
});

test('sshd: lines without an address get the peer of the same sshd process, flagged', () => {
  const evs = flatEvents([
    'Mar 10 08:00:21 h1 sshd[3017]: Connection from 198.51.100.37 port 40013 on 192.0.2.10 port 22',
    'Mar 10 08:00:21 h2 sshd[3017]: Disconnecting: Too many authentication failures for root [preauth]',
    'Mar 10 08:00:21 h1 sshd[3017]: Disconnecting: Too many authentication failures for root [preauth]',
  ]);
  assert.equal(evs[1].f['source.ip'], undefined, 'another host with the same pid is another process');
  assert.equal(evs[2].f['source.ip'], '198.51.100.37');
  assert.equal(evs[2].f['source.port'], 40013);
  assert.equal(evs[2].f['ssh.source_inferred'], true);
  assert.equal(evs[2].f['event.action'], 'ssh_max_auth_exceeded');
});

test('sshd: a connection that ends without a login is a failure; after a login it is not', () => {
  const evs = flatEvents([
    'Mar 10 08:00:21 h sshd[10]: error: kex_exchange_identification: Connection closed by remote host',
    'Mar 10 08:00:21 h sshd[10]: Connection closed by 198.51.100.15 port 35352',
    'Mar 10 08:00:22 h sshd[11]: Accepted password for alice from 203.0.113.50 port 50001 ssh2',
    'Mar 10 08:00:23 h sshd[11]: Received disconnect from 203.0.113.50 port 50001:11: disconnected by user',
    'Mar 10 08:00:24 h sshd[12]: Connection closed by 198.51.100.16 port 1',
  ]);
  assert.equal(evs[1].f['event.outcome'], 'failure');
  assert.equal(evs[3].f['event.outcome'], 'unknown');
  assert.equal(evs[4].f['event.outcome'], 'unknown', 'nothing known about this connection before its close');
});

test('sshd: addresses are normalised; host names go to source.domain', () => {
  let f = one('Jan  5 01:31:41 www sshd[1643]: ROOT LOGIN REFUSED FROM ::ffff:1.2.3.4');
  assert.equal(f['source.ip'], '1.2.3.4');
  assert.equal(f['event.action'], 'ssh_root_login_refused');
  f = one('May 29 20:56:52 imago sshd[28732]: error: PAM: Authentication failure for stefanor from example.com');
  assert.equal(f['source.ip'], undefined);
  assert.equal(f['source.domain'], 'example.com');
  assert.equal(f['event.action'], 'pam_auth_failure');
});

test('sshd: journal and Solaris noise before the message is skipped', () => {
  let f = one('Mar 10 08:00:36 h sshd[1]: kernel:[  970.699396]: Failed keyboard-interactive for alice from 198.51.100.47 port 40021 ssh2');
  assert.equal(f['event.action'], 'ssh_login');
  assert.equal(f['source.ip'], '198.51.100.47');
  f = one('Mar 10 08:00:36 h sshd[1]: [ID 800047 auth.info] Failed password for bob from 198.51.100.48 port 1 ssh2');
  assert.equal(f['user.name'], 'bob');
});

test('sshd: repeated messages keep their action and count', () => {
  const f = one('Dec 10 07:07:38 LabSZ sshd[24206]: message repeated 5 times: [ Failed password for root from 198.51.100.5 port 57947]');
  assert.equal(f['event.action'], 'ssh_login');
  assert.equal(f['source.ip'], '198.51.100.5');
  assert.equal(f['syslog.repeated'], 5);
});

test('sshd: unknown messages stay plain auth events', () => {
  const f = one('Mar 10 08:00:30 h sshd[1200]: Server listening on 0.0.0.0 port 22.');
  assert.equal(f['event.action'], undefined);
  assert.equal(f['source.ip'], undefined);
  assert.equal(f['event.dataset'], 'system.auth');
  assert.equal(f.message, 'Server listening on 0.0.0.0 port 22.');
});

test('sshd: one exhausted MaxAuthTries is one ssh_max_auth_exceeded, whichever OpenSSH logged it', () => {
  const evs = flatEvents([
    'Nov 23 21:50:37 h sshd[21810]: error: maximum authentication attempts exceeded for root from 198.51.100.1 port 49940 ssh2 [preauth]',
    'Nov 23 21:50:37 h sshd[21810]: Disconnecting: Too many authentication failures [preauth]',
    'Nov 23 21:50:38 h sshd[21811]: Disconnecting: Too many authentication failures for root [preauth]',
  ]);
  assert.deepEqual(evs.map((e) => e.f['event.action']), ['ssh_max_auth_exceeded', 'ssh_disconnect', 'ssh_max_auth_exceeded']);
  assert.equal(evs[1].f['source.ip'], '198.51.100.1');
  assert.equal(evs[1].f['event.outcome'], 'failure');
});
