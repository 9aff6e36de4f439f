import type { Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { FORMAT_HELP, action, appFor, examples, zoneOption } from '../app.js';
import { UsageError } from '../../errors.js';
import type { Doc } from '../../output/ecs.js';

interface ExplainFlags {
  format?: string;
  tz?: string;
  json?: boolean;
}

/** Flattens an ECS document back to dotted names for a readable listing. */
function flat(doc: Doc, prefix = '', out: [string, unknown][] = []): [string, unknown][] {
  for (const [k, v] of Object.entries(doc)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flat(v as Doc, name, out);
    else out.push([name, v]);
  }
  return out;
}

async function readStdinLines(): Promise<string[]> {
  const split2 = (await import('split2')).default;
  const lines: string[] = [];
  // split2 is right here: explain reads text for display and needs no byte offsets
  for await (const line of process.stdin.pipe(split2(/\r?\n/))) lines.push(line as string);
  return lines;
}

export function register(program: Command): void {
  program
    .command('explain')
    .summary('show how a line is parsed, and why other parsers did not take it')
    .description(
      'Prints which parser takes the line, the fields it produces, and for every other parser why it did not (like fail2ban-regex or cscli explain). With "-" it reads many lines from stdin; the parser is chosen from them as ingest would, and multi-line groups (auditd) are assembled.',
    )
    .argument('<line>', 'a log line, or - to read lines from stdin')
    .option('--format <name>', FORMAT_HELP)
    .option('--tz <zone>', 'IANA zone for timestamps that carry none (default: the local zone)')
    .option('--json', 'one object per event: {"parser": NAME, "event": {...}}')
    .addHelpText(
      'after',
      examples([
        `loghound explain 'Nov 14 03:12:01 web01 sshd[811]: Failed password for root from 203.0.113.9 port 52144 ssh2'`,
        'tail -n 50 /var/log/audit/audit.log | loghound explain - --json | jq .event.process',
      ]),
    )
    .action(
      action(async (line: string, flags: ExplainFlags, cmd: Command) => {
        const app = appFor(cmd);
        const tz = zoneOption(flags.tz);
        const lines = line === '-' ? await readStdinLines() : [line];
        if (lines.length && lines[lines.length - 1] === '') lines.pop();
        if (lines.length === 0) throw new UsageError('no input lines');
        const { parseLines } = await import('../../parsers/run.js');
        const { rankParsers } = await import('../../parsers/dispatch.js');
        const { escapeTerminal } = await import('../../output/escape.js');
        const result = parseLines(lines, { format: flags.format, tz, mtimeMs: Date.now() });
        if (flags.json) {
          for (const e of result.events) app.out.line(jsonLine({ parser: e.parser.name, event: e.doc }));
          return;
        }
        const ranks = new Map(rankParsers(lines.slice(0, 200)).map((r) => [r.parser.name, r.score]));
        for (const e of result.events) {
          app.out.line(`${app.c.bold(`line ${e.at.line}`)}: taken by ${app.c.green(e.parser.name)}${e.status === 0 ? '' : app.c.yellow(' (unparsed)')}`);
          // a JSON or logfmt line names its own fields: the names are log data as much as the values
          const fields = flat(e.doc)
            .filter(([k]) => k !== 'event.original')
            .map(([k, v]) => [escapeTerminal(k), escapeTerminal(typeof v === 'string' ? v : JSON.stringify(v))]);
          const w = Math.max(...fields.map(([k]) => k.length));
          for (const [k, v] of fields) app.out.line(`  ${k.padEnd(w)}  ${v}`);
        }
        if (lines.length === 1) {
          const { PARSERS } = await import('../../parsers/registry.js');
          app.out.line(app.c.bold('other parsers:'));
          for (const p of PARSERS) {
            if (p.name === result.parser.name || p.name === 'raw') continue;
            const res = p.create({ path: '-', tz, mtimeMs: Date.now() }).parse(lines[0], { line: 1, offset: 0 });
            const why = typeof res === 'string' ? res : res === null ? 'holds the line for a multi-line group' : 'would parse it, but scores lower on detection';
            app.out.line(`  ${p.name.padEnd(12)} ${(ranks.get(p.name) ?? 0).toFixed(2)}  ${escapeTerminal(why)}`);
          }
        }
      }),
    );
}
