/** What every command gets: the resolved global flags, the stdout sink and the stderr log. */
import path from 'node:path';
import type { Command } from 'commander';
import { Log, colorWanted, setLog } from '../output/log.js';
import { stdout, type Sink } from '../output/sink.js';
import { loadConfig, type Config } from '../config.js';
import { Chalk, type ChalkInstance } from 'chalk';
import { UsageError } from '../errors.js';
import { isValidZone, localZone } from '../util/time.js';

export interface App {
  dbPath: string;
  log: Log;
  out: Sink;
  /** chalk for stdout: colour only on a terminal, never with NO_COLOR or --no-color */
  c: ChalkInstance;
  quiet: boolean;
  verbose: boolean;
  /** the config file's values (empty without one); flags win over them */
  config: Config;
}

interface Globals {
  db?: string;
  config?: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}

export function appFor(cmd: Command): App {
  const g = cmd.optsWithGlobals() as Globals;
  const log = new Log({ quiet: Boolean(g.quiet), verbose: Boolean(g.verbose), color: colorWanted(process.stderr, g.color) });
  setLog(log);
  const out = stdout();
  config = loadConfig({ file: g.config });
  return {
    // --db, then LOGHOUND_DB, then the config file, then ./loghound.db
    dbPath: path.resolve(g.db || process.env.LOGHOUND_DB || config.values.db || 'loghound.db'),
    config,
    log,
    out,
    c: new Chalk({ level: colorWanted(process.stdout, g.color) ? 1 : 0 }),
    quiet: Boolean(g.quiet),
    verbose: Boolean(g.verbose),
  };
}

let config: Config = loadConfigless();
let exitCode = 0;

function loadConfigless(): Config {
  return { values: {}, get: () => undefined };
}

/** Commands return their exit code (or nothing for 0); main reads it once the action has finished. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    exitCode = (await fn(...args)) ?? 0;
  };
}

export function takeExitCode(): number {
  const c = exitCode;
  exitCode = 0;
  return c;
}

/** --tz, else the config file's tz, else TZ, else the system zone. */
/** The parser names are written out so that help needs no parser loaded; a test keeps them in step with the registry. */
export const FORMAT_HELP =
  'force a parser: container, access, nginx-error, apache-error, syslog, journald, fail2ban, firewall, haproxy, auditd, cloudtrail, vpcflow, zeek, suricata, k8s-audit, json, logfmt or raw';

export function zoneOption(tz: string | undefined): string {
  const zone = tz ?? config.values.tz ?? process.env.TZ ?? localZone();
  if (!isValidZone(zone)) throw new UsageError(`unknown time zone "${zone}"`, 'use an IANA name such as UTC, Europe/Berlin or America/New_York');
  return zone === ':/etc/localtime' ? localZone() : zone;
}

/** --wait: how long a writer waits for another writer before giving up (exit 75). */
export function waitSeconds(flag: string | undefined): number {
  const n = flag === undefined ? 60 : Number(flag);
  if (!Number.isFinite(n) || n < 0) throw new UsageError('--wait takes a number of seconds');
  return n;
}

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
