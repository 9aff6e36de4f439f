import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery } from '../../src/query/parser.js';
import { QueryError, STAR, ONE, type Node } from '../../src/query/ast.js';
import { UsageError } from '../../src/errors.js';

/** A compact rendering of the tree, to compare shapes at a glance. */
function show(n: Node): string {
  switch (n.type) {
    case 'all':
      return '*';
    case 'and':
    case 'or':
      return `(${n.type} ${n.children.map(show).join(' ')})`;
    case 'not':
      return `(not ${show(n.child)})`;
    case 'exists':
      return `${n.field}:*`;
    case 'match': {
      const v = n.value.segs.map((s) => (s === STAR ? '<*>' : s === ONE ? '<?>' : s)).join('');
      return `${n.field ?? 'text'}=${n.value.quoted ? `"${v}"` : v}`;
    }
    case 'range': {
      const lo = n.lo ? `${n.lo.inclusive ? '[' : '{'}${n.lo.value.segs.join('')}` : '(';
      const hi = n.hi ? `${n.hi.value.segs.join('')}${n.hi.inclusive ? ']' : '}'}` : ')';
      return `${n.field}${lo},${hi}`;
    }
  }
}

const p = (q: string) => show(parseQuery(q));

test('field terms, phrases, free text', () => {
  assert.equal(p('user.name:root'), 'user.name=root');
  assert.equal(p('message:"Failed password"'), 'message="Failed password"');
  assert.equal(p('failed'), 'text=failed');
  assert.equal(p('"failed password"'), 'text="failed password"');
  assert.equal(p('user.name : root'), 'user.name=root');
  assert.equal(p(''), '*');
  assert.equal(p('   '), '*');
  assert.equal(p('*'), '*');
});

test('values side by side are alternatives (KQL terms query), for a field and for free text', () => {
  assert.equal(p('http.response.status_code:401 403 404'), '(or http.response.status_code=401 http.response.status_code=403 http.response.status_code=404)');
  assert.equal(p('failed password'), '(or text=failed text=password)');
});

test('and binds tighter than or; not; parentheses; keywords in any case', () => {
  assert.equal(p('a:1 or b:2 and c:3'), '(or a=1 (and b=2 c=3))');
  assert.equal(p('(a:1 OR b:2) AND c:3'), '(and (or a=1 b=2) c=3)');
  assert.equal(p('not a:1 and NOT (b:2 or c:3)'), '(and (not a=1) (not (or b=2 c=3)))');
  assert.equal(p('not not a:1'), '(not (not a=1))');
  // keywords are whole words: these are field names and values
  assert.equal(p('order:1 and android:notice'), '(and order=1 android=notice)');
});

test('field:(a or b), groups with and/not inside', () => {
  assert.equal(p('user.name:(alice or bob)'), '(or user.name=alice user.name=bob)');
  assert.equal(p('user.name:(alice bob)'), '(or user.name=alice user.name=bob)');
  assert.equal(p('tags:(a and not (b or c))'), '(and tags=a (not (or tags=b tags=c)))');
});

test('wildcards and escapes', () => {
  assert.equal(p('url.original:*wp-login*'), 'url.original=<*>wp-login<*>');
  assert.equal(p('user.name:ro?t'), 'user.name=ro<?>t');
  assert.equal(p('url.original:/a\\*b\\?c'), 'url.original=/a*b?c');
  assert.equal(p('message:a\\ b'), 'message=a b');
  assert.equal(p('message:"a*b"'), 'message="a*b"', 'no wildcards inside quotes');
  assert.equal(p('message:"say \\"hi\\""'), 'message="say "hi""');
  assert.equal(p('source.ip:*'), 'source.ip:*');
});

test('comparisons and ranges', () => {
  assert.equal(p('http.response.status_code >= 400'), 'http.response.status_code[400,)');
  assert.equal(p('http.response.status_code>400'), 'http.response.status_code{400,)');
  assert.equal(p('bytes < 10'), 'bytes(,10}');
  assert.equal(p('bytes <= 10'), 'bytes(,10]');
  assert.equal(p('status:[400 TO 499]'), 'status[400,499]');
  assert.equal(p('status:{400 to 499}'), 'status{400,499}');
  assert.equal(p('status:[400 TO 500}'), 'status[400,500}');
  assert.equal(p('status:[400 TO *]'), 'status[400,)');
  assert.equal(p('@timestamp >= 2026-11-14T03:00:00Z'), '@timestamp[2026-11-14T03:00:00Z,)');
  assert.equal(p('@timestamp:["2026-11-14" TO "2026-11-15"]'), '@timestamp[2026-11-14,2026-11-15]');
});

test('IP addresses and CIDRs, including IPv6 written where a field could start', () => {
  assert.equal(p('source.ip:10.0.0.0/8'), 'source.ip=10.0.0.0/8');
  assert.equal(p('source.ip:2001:db8::/32'), 'source.ip=2001:db8::/32');
  assert.equal(p('source.ip:::1'), 'source.ip=::1');
  assert.equal(p('source.ip:(::1 or fe80::1)'), '(or source.ip=::1 source.ip=fe80::1)');
  assert.equal(p('source.ip:10.0.0.1 fe80::1'), '(or source.ip=10.0.0.1 source.ip=fe80::1)');
  assert.equal(p('2001:db8::1'), 'text=2001:db8::1');
  assert.equal(p('fe80::1 and user.name:x'), '(and text=fe80::1 user.name=x)');
  // not field-like, so free text as typed
  assert.equal(p('1.2.3.4:22'), 'text=1.2.3.4:22');
  assert.equal(p('url.original:http://x/y'), 'url.original=http://x/y');
});

/** The error's reason, column, and the caret picture lines. */
function err(q: string): { reason: string; column: number; picture: string[] } {
  try {
    parseQuery(q);
  } catch (e) {
    assert.ok(e instanceof QueryError, `${q}: ${e}`);
    assert.ok(e instanceof UsageError);
    const lines = e.message.split('\n');
    return { reason: e.reason, column: e.column, picture: lines.slice(1) };
  }
  assert.fail(`${q}: expected a syntax error`);
}

test('syntax errors name the column and draw a caret under it', () => {
  const e = err('status:');
  assert.equal(e.column, 8);
  assert.deepEqual(e.picture, ['  status:', '         ^']);
  assert.match(e.reason, /expected a value after ":"/);

  const two = err('a:1 b:2');
  assert.equal(two.column, 5);
  assert.deepEqual(two.picture, ['  a:1 b:2', '      ^']);
  assert.match(two.reason, /expected "and" or "or"/);

  assert.equal(err('(a:1').column, 5);
  assert.match(err('(a:1').reason, /missing "\)" to close the "\(" at column 1/);
  assert.equal(err('a:1)').column, 4);
  assert.equal(err('a:1 and').column, 8);
  assert.equal(err('and a:1').column, 1);
  assert.equal(err('a:1 or or b:1').column, 8);
  assert.equal(err('"abc').column, 1);
  assert.match(err('"abc').reason, /unterminated/);
  assert.equal(err('abc\\').column, 4);
  assert.equal(err('status:[1 2]').column, 11);
  assert.match(err('status:[1 2]').reason, /TO/);
  assert.equal(err('status:[1 TO 2').column, 15);
  assert.equal(err('u*er:1').column, 1);
  assert.match(err('u*er:1').reason, /wildcards are not allowed in field names/);
  assert.equal(err('status >= ').column, 11);
  assert.match(err('status >= *').reason, /exists/);
  assert.equal(err('()').column, 2);
  assert.equal(err('status = 5').column, 8);
  assert.equal(err(':x').column, 1);
});

test('the caret lines up under escaped control characters, and a long query is windowed', () => {
  const e = err('user_agent.original:"\u001b[31m');
  assert.deepEqual(e.picture, ['  user_agent.original:"\\e[31m', '                      ^']);
  const long = 'a:1 and '.repeat(40) + 'b:';
  const l = err(long);
  assert.equal(l.column, long.length + 1);
  assert.ok(l.picture[0].startsWith('  …'));
  assert.equal(l.picture[1].indexOf('^'), l.picture[0].length);
});

test('limits: length, nesting and terms end in a UsageError, never a stack overflow', () => {
  assert.match(err('x'.repeat(20_000)).reason, /longer than/);
  assert.match(err('('.repeat(5000) + 'a' + ')'.repeat(5000)).reason, /nests deeper/);
  assert.match(err('not '.repeat(1000) + 'a').reason, /nests deeper/);
  assert.match(err(Array.from({ length: 1500 }, () => 'f:1').join(' or ')).reason, /more than 1024 terms/);
});
