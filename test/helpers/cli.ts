/** Runs the real CLI in a child process, as users do: stdout, stderr and the exit code. */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The build this test runs from (dist/ or a private outDir): <root>/test/helpers/cli.js -> <root> */
export const BUILD_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PROJECT_ROOT = path.resolve(BUILD_ROOT, '..');
export const ENTRY = path.join(BUILD_ROOT, 'src/bin.js');
export const FIXTURES = path.join(PROJECT_ROOT, 'fixtures');
export const SHARED = path.resolve(PROJECT_ROOT, '../shared');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOpts {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeout?: number;
  /** run as this user and group (the test runs as root) */
  uid?: number;
  gid?: number;
}

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TZ: 'UTC', LOGHOUND_DB: undefined, ...extra };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

/** Synchronous run: simple and exact for most tests. */
export function run(args: string[], opts: RunOpts = {}): RunResult {
  const res = spawnSync(process.execPath, [ENTRY, ...args], {
    cwd: opts.cwd,
    env: childEnv(opts.env),
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeout ?? 120_000,
    uid: opts.uid,
    gid: opts.gid,
  });
  if (res.error) throw res.error;
  return { code: res.status ?? (res.signal ? 128 : -1), stdout: res.stdout, stderr: res.stderr };
}

/** Asynchronous spawn for tests that kill or race processes. */
export function start(args: string[], opts: RunOpts & SpawnOptions = {}) {
  return spawn(process.execPath, [ENTRY, ...args], { cwd: opts.cwd, env: childEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
}

const made: string[] = [];
// Each test file runs in its own process; its directories go when it exits, so runs don't fill /tmp.
process.on('exit', () => {
  for (const dir of made) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // a test that made a path unreadable may leave it behind; the OS cleans /tmp
    }
  }
});

export function tmpDir(prefix = 'loghound-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function ndjsonLines(text: string): Record<string, any>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}
