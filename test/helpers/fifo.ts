/** A FIFO to pass as --out, and a reader that gives up instead of hanging when nothing ever writes to it. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { tmpDir } from './cli.js';

export function makeFifo(name = 'out.fifo'): string {
  const fifo = path.join(tmpDir('loghound-fifo-'), name);
  execFileSync('mkfifo', [fifo]);
  return fifo;
}

/**
 * What a reader of `fifo` gets while the writer `startWriter` starts runs, and the writer's exit code. `cat`
 * reads in its own process, started first: when the writer replaces the FIFO instead of opening it, cat waits
 * forever on the old one and is killed after `graceMs`, so the test fails instead of hanging.
 */
export async function readFifo(fifo: string, startWriter: () => ChildProcess, graceMs = 5000): Promise<{ text: string; code: number | null; stderr: string }> {
  const cat = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  cat.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
  const catDone = new Promise((resolve) => cat.on('close', resolve));
  const writer = startWriter();
  let stderr = '';
  writer.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  writer.stdout?.resume();
  const code = await new Promise<number | null>((resolve) => writer.on('close', resolve));
  const timer = setTimeout(() => cat.kill(), graceMs);
  await catDone;
  clearTimeout(timer);
  return { text, code, stderr };
}
