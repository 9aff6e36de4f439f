/**
 * npm run bench [-- --quick | --large | --size N]
 *
 * Generates deterministic logs (bench/generate.ts), then measures the real CLI as a user runs it, each step in
 * its own process: ingest per format, hunt with the full rule pack, feed matching, search and stats, store size,
 * peak memory and an unchanged re-scan. lnav and GoAccess run on the same nginx file when installed. Prints a table
 * with PASS or MISS per target and writes bench/results.json. It measures; it asserts nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, type Sizes } from './generate.js';
import { Dispatcher, chooseParser } from '../src/parsers/dispatch.js';

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.resolve(BUILD, '..');
const ENTRY = path.join(BUILD, 'src/bin.js');

const args = process.argv.slice(2);
const sizeArg = args.includes('--quick') ? 100_000 : args.includes('--large') ? 10_000_000 : Number(args[args.indexOf('--size') + 1]) || 2_000_000;
const N = sizeArg;
const sizes: Sizes = { access: N, auth: Math.round(N / 4), ufw: Math.round(N / 4), audit: Math.round(N / 4) };

interface Run {
  ms: number;
  peakRss: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command, sampling its peak RSS (VmHWM) from /proc while it lives. */
function measure(cmd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 20);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ ms: performance.now() - t0, peakRss: peak, code: code ?? -1, stdout, stderr });
    });
  });
}

const loghound = (db: string, ...a: string[]) => measure(process.execPath, [ENTRY, '--db', db, '--quiet', ...a]);

function has(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

function readLinesUpTo(file: string, n: number): string[] {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(Math.min(fs.fstatSync(fd).size, n * 400));
  fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  const lines = buf.toString('utf8').split('\n');
  lines.pop();
  return lines.slice(0, n);
}

function fileBytes(f: string): number {
  try {
    return fs.statSync(f).size;
  } catch {
    return 0;
  }
}

const MB = 1048576;
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main() {
  const dataDir = path.join(ROOT, 'bench/data', String(N));
  const stamp = path.join(dataDir, '.complete');
  let files: Record<keyof Sizes, string>;
  if (fs.existsSync(stamp)) {
    files = JSON.parse(fs.readFileSync(stamp, 'utf8'));
  } else {
    process.stderr.write(`generating ${fmt(N)} nginx lines and ${fmt(sizes.auth)} each of auth, ufw and audit in ${dataDir} ...\n`);
    files = generate(dataDir, sizes);
    fs.writeFileSync(stamp, JSON.stringify(files));
  }
  const db = path.join(dataDir, 'bench.db');
  for (const f of fs.readdirSync(dataDir)) if (f.startsWith('bench.db')) fs.rmSync(path.join(dataDir, f));

  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 1024 ** 3), node: process.version, load_before: os.loadavg()[0] },
    size: N,
  };
  const rows: [string, string, string, string][] = [];
  const target = (name: string, value: string, goal: string, pass: boolean | undefined) => rows.push([name, value, goal, pass === undefined ? '-' : pass ? 'PASS' : 'MISS']);

  // parsing alone, in this process: each generated file's parser on up to 500k of its lines
  const parse: Record<string, { parser: string; lines: number; lines_per_s: number }> = {};
  for (const fmtName of ['access', 'auth', 'ufw', 'audit'] as const) {
    const lines = readLinesUpTo(files[fmtName], 500_000);
    const parser = chooseParser(lines.slice(0, 200));
    const d = new Dispatcher(parser, { path: files[fmtName], tz: 'UTC', mtimeMs: Date.UTC(2026, 10, 1) }, () => undefined);
    const t0 = performance.now();
    let offset = 0;
    for (let i = 0; i < lines.length; i++) {
      d.push(lines[i], { line: i + 1, offset });
      offset += lines[i].length + 1;
    }
    d.end();
    const ms = performance.now() - t0;
    parse[fmtName] = { parser: parser.name, lines: lines.length, lines_per_s: Math.round(lines.length / (ms / 1000)) };
  }
  results.parse = parse;

  // ingest per format, each into the same store in turn (the store grows as in real use)
  const ingest: Record<string, { lines: number; bytes: number; ms: number; lines_per_s: number; mb_per_s: number; peak_rss_mb: number }> = {};
  for (const fmtName of ['access', 'auth', 'ufw', 'audit'] as const) {
    const r = await loghound(db, 'ingest', '--json', files[fmtName]);
    if (r.code !== 0) throw new Error(`ingest ${fmtName} failed: ${r.stderr}`);
    const s = JSON.parse(r.stdout);
    const bytes = fileBytes(files[fmtName]);
    ingest[fmtName] = { lines: s.lines_read, bytes, ms: Math.round(r.ms), lines_per_s: Math.round(s.lines_read / (r.ms / 1000)), mb_per_s: bytes / MB / (r.ms / 1000), peak_rss_mb: r.peakRss / MB };
  }
  results.ingest = ingest;
  const rawBytes = Object.values(ingest).reduce((n, x) => n + x.bytes, 0);
  const totalLines = Object.values(ingest).reduce((n, x) => n + x.lines, 0);

  // peers on the same nginx file
  const peers: Record<string, { ms: number; lines_per_s: number }> = {};
  if (has('lnav')) {
    const r = await measure('lnav', ['-n', '-c', ';SELECT c_ip, count(*) AS n FROM access_log WHERE sc_status IN (401, 403) GROUP BY c_ip ORDER BY n DESC LIMIT 10', files.access], { HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'lnav-home-')) });
    peers.lnav = { ms: Math.round(r.ms), lines_per_s: Math.round(N / (r.ms / 1000)) };
  }
  if (has('goaccess')) {
    const out = path.join(os.tmpdir(), `goaccess-${process.pid}.json`);
    const r = await measure('goaccess', [files.access, '--log-format=COMBINED', '--no-progress', '-o', out]);
    fs.rmSync(out, { force: true });
    peers.goaccess = { ms: Math.round(r.ms), lines_per_s: Math.round(N / (r.ms / 1000)) };
  }
  results.peers = peers;

  // hunt with the full pack over everything ingested
  const hunt = await loghound(db, 'hunt', '--json');
  if (hunt.code !== 0 && hunt.code !== 1) throw new Error(`hunt failed: ${hunt.stderr}`);
  const findings = hunt.stdout.split('\n').filter(Boolean).length;
  results.hunt = { ms: Math.round(hunt.ms), lines: totalLines, findings, peak_rss_mb: hunt.peakRss / MB };
  // the cron case: the same hunt again with nothing new must find nothing and cost next to nothing
  const again = await loghound(db, 'hunt', '--json');
  if (again.code !== 0 && again.code !== 1) throw new Error(`hunt again failed: ${again.stderr}`);
  results.hunt_again = { ms: Math.round(again.ms), findings: again.stdout.split('\n').filter(Boolean).length };

  // queries: what an analyst types next
  const queries: Record<string, number> = {};
  const q = async (name: string, ...a: string[]) => {
    const best = [];
    for (let i = 0; i < 3; i++) best.push((await loghound(db, ...a)).ms);
    queries[name] = Math.round(Math.min(...best));
  };
  await q('search ip', 'search', 'source.ip:203.0.113.66', '--limit', '50', '--json');
  await q('search status', 'search', 'http.response.status_code >= 500 and url.path:/products*', '--limit', '50', '--json');
  await q('stats', 'stats', '--json');
  await q('stats top ip', 'stats', '--top', 'source.ip', '--json');
  results.queries = queries;

  // an unchanged re-scan of every file
  const rescan = await loghound(db, 'ingest', '--json', ...Object.values(files));
  results.rescan = { ms: Math.round(rescan.ms), bytes: rawBytes, ms_per_gb: Math.round(rescan.ms / (rawBytes / 1024 ** 3)) };

  const storeBytes = fileBytes(db) + fileBytes(`${db}-wal`);
  results.store = { bytes: storeBytes, raw_bytes: rawBytes, ratio: storeBytes / rawBytes };
  const peak = Math.max(...Object.values(ingest).map((x) => x.peak_rss_mb), (results.hunt as { peak_rss_mb: number }).peak_rss_mb);
  results.peak_rss_mb = peak;

  // feed matching: 1M ranges against the stored events' addresses, when the enrichment bench is built
  const feedsBench = path.join(BUILD, 'bench/feeds-bench.js');
  if (fs.existsSync(feedsBench)) {
    const r = await measure(process.execPath, [feedsBench, '1000000', String(totalLines), '200000']);
    results.feeds = { ms: Math.round(r.ms), output: r.stdout.trim().split('\n') };
  }

  // the table
  const a = ingest.access;
  target(`ingest nginx (${fmt(N)} lines)`, `${fmt(a.lines_per_s)} lines/s, ${fmt(a.mb_per_s, 1)} MB/s`, '>= 450,000 lines/s', a.lines_per_s >= 450_000);
  for (const f of ['auth', 'ufw', 'audit'] as const) target(`ingest ${f} (${fmt(ingest[f].lines)} lines)`, `${fmt(ingest[f].lines_per_s)} lines/s, ${fmt(ingest[f].mb_per_s, 1)} MB/s`, '', undefined);
  for (const [f, p] of Object.entries(parse)) target(`parse only: ${p.parser} (${f}.log)`, `${fmt(p.lines_per_s)} lines/s`, '', undefined);
  if (peers.lnav) target('vs lnav (one SQL query, same file)', `${(a.lines_per_s / peers.lnav.lines_per_s).toFixed(2)}x (lnav ${fmt(peers.lnav.lines_per_s)} lines/s)`, '>= 1.5x', a.lines_per_s >= 1.5 * peers.lnav.lines_per_s);
  if (peers.goaccess) target('vs GoAccess (JSON report, same file)', `${(a.lines_per_s / peers.goaccess.lines_per_s).toFixed(2)}x (goaccess ${fmt(peers.goaccess.lines_per_s)} lines/s)`, '>= 10x', a.lines_per_s >= 10 * peers.goaccess.lines_per_s);
  const h = results.hunt as { ms: number; findings: number };
  target(`hunt, full pack, ${fmt(totalLines)} lines`, `${(h.ms / 1000).toFixed(2)} s, ${h.findings} findings`, '< 5 s over 2M events', N >= 2_000_000 ? h.ms < 5000 : undefined);
  const ha = results.hunt_again as { ms: number; findings: number };
  target('hunt again, nothing new (cron)', `${(ha.ms / 1000).toFixed(2)} s, ${ha.findings} findings`, '', undefined);
  for (const [name, ms] of Object.entries(queries)) target(name, `${ms} ms`, '< 200 ms', ms < 200);
  target('store size / raw size', `${(storeBytes / rawBytes).toFixed(2)}x (${fmt(storeBytes / MB)} MB / ${fmt(rawBytes / MB)} MB)`, '<= 1.2x', storeBytes / rawBytes <= 1.2);
  target('peak RSS', `${fmt(peak)} MB`, '< 400 MB at 10M lines', N >= 10_000_000 ? peak < 400 : undefined);
  const rs = results.rescan as { ms: number; ms_per_gb: number };
  // a quick run's few MB say nothing per GB: start-up is all of it
  target('unchanged re-scan', `${rs.ms} ms (${fmt(rs.ms_per_gb)} ms per GB)`, '< 1 s per GB', N >= 2_000_000 ? rs.ms_per_gb < 1000 : undefined);
  results.targets = rows.map(([name, value, goal, verdict]) => ({ name, value, goal, verdict }));

  const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length)), Math.max(...rows.map((r) => r[2].length))];
  console.log(`loghound benchmark: ${fmt(N)} nginx lines + ${fmt(sizes.auth)} each of auth, ufw, audit; ${os.cpus().length} cores (${os.cpus()[0]?.model}); node ${process.version}`);
  for (const r of rows) console.log(`${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padEnd(w[2])}  ${r[3]}`);
  if (results.feeds) for (const line of (results.feeds as { output: string[] }).output) console.log(`  feeds: ${line}`);
  fs.writeFileSync(path.join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('written bench/results.json');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
