/** hunt over a live stream: findings are printed while the stream is still open, each once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ENTRY, tmpDir } from '../helpers/cli.js';

const failed = (i: number) => `2026-11-14T03:00:${String(i).padStart(2, '0')}Z web1 sshd[811]: Failed password for root from 203.0.113.9 port 52144 ssh2\n`;
const accepted = '2026-11-14T03:00:40Z web1 sshd[811]: Accepted password for root from 203.0.113.9 port 52144 ssh2\n';

test('hunt - prints the findings of a live stream before it ends, each once, and exits 1 on --fail-on at the end', async () => {
  const db = path.join(tmpDir(), 'live.db');
  const child = spawn(process.execPath, [ENTRY, '--db', db, 'hunt', '-', '--json', '--fail-on', 'high'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  for (let i = 0; i < 12; i++) child.stdin.write(failed(i));
  child.stdin.write(accepted);
  // the stream stays open: the brute force and the login that followed it are reported while it flows
  const deadline = Date.now() + 30_000;
  while (!stdout.includes('SSH brute force followed by a successful login') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const whileOpen = stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; rule: { title: string } });
  assert.ok(whileOpen.some((f) => f.rule.title === 'SSH brute force followed by a successful login'), stdout);
  assert.equal(child.exitCode, null, 'still running: its input is open');
  // more of the same attack, then the end: the final run prints nothing twice
  child.stdin.end(failed(50));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const all = stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string });
  assert.equal(new Set(all.map((f) => f.id)).size, all.length, 'each finding printed once');
  assert.equal(code, 1, 'a high or critical finding printed during the stream counts for --fail-on');
});
