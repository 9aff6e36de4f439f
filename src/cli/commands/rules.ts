import type { Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { action, appFor, examples } from '../app.js';
import { collect, loadRuleSet, type RuleFlags } from '../rulesets.js';
import { EXIT, InputError } from '../../errors.js';
import type { Rule, Skipped } from '../../detect/model.js';

function kindText(r: Rule): string {
  if (r.kind === 'detection') return Object.entries(r.logsource).filter(([, v]) => v).map(([k, v]) => `${k}:${v}`).join(' ');
  return `${r.kind}:${r.type}`;
}

function where(s: Skipped): string {
  return s.where ? `${s.where.file}:${s.where.line}:${s.where.col}` : s.file;
}

export function register(program: Command): void {
  const rules = program
    .command('rules')
    .summary('list, lint and test rules')
    .description('Inspect the rules hunt runs: the built-in pack and any --rules paths.')
    .addHelpText('after', examples(['loghound rules list', 'loghound rules lint ./my-rules', 'loghound rules test']));

  rules
    .command('list')
    .description('Every rule with its level, log source, ATT&CK tags, and whether it loaded (or why not).')
    .option('--rules <path>', 'more Sigma rules (file or folder); repeatable', collect)
    .option('--no-builtin', 'leave out the built-in rule pack')
    .option('--json', 'one JSON object per rule')
    .addHelpText('after', examples(['loghound rules list', 'loghound rules list --rules ~/sigma/rules/linux --no-builtin --json | jq -r \'select(.status=="skipped") | .reason\'']))
    .action(
      action(async (flags: RuleFlags & { json?: boolean }, cmd: Command) => {
        const app = appFor(cmd);
        const set = await loadRuleSet(flags, app.config);
        const { plan } = await import('../../detect/engine.js');
        const p = plan(set.rules);
        const skipped = [...set.skipped, ...p.skipped];
        // by position, not id: of two rules with one id the first loads and only the second is skipped
        const at = (w?: { file: string; line: number; col: number }) => (w ? `${w.file}:${w.line}:${w.col}` : '');
        const skippedAt = new Map(p.skipped.map((s) => [at(s.where), s.reason]));
        const rows = set.rules.map((r) => ({
          id: r.id,
          title: r.title,
          // an input-only rule without a level of its own reports nothing, so it shows none
          level: r.levelGiven || p.generating.has(r.id) ? r.level : null,
          kind: r.kind,
          logsource: kindText(r),
          tags: r.tags,
          status: skippedAt.has(at(r.where)) ? 'skipped' : 'loaded',
          reason: skippedAt.get(at(r.where)) ?? null,
          generates: p.generating.has(r.id),
          file: r.where.file,
        }));
        const unloadable = set.skipped.map((s) => ({ id: s.id ?? null, title: s.title ?? null, level: null, kind: null, logsource: null, tags: [], status: 'skipped', reason: s.reason, generates: false, file: where(s) }));
        if (flags.json) {
          for (const r of [...rows, ...unloadable]) app.out.line(jsonLine(r));
        } else {
          const { renderTable } = await import('../../output/format.js');
          const { levelText } = await import('../../output/findings.js');
          const table = renderTable(
            ['level', 'title', 'log source', 'tags', 'status'],
            [...rows, ...unloadable].map((r) => [
              r.level ? levelText(app.c, r.level) : '',
              r.title ?? r.file,
              r.logsource ?? '',
              r.tags.filter((t) => /^attack\.t\d/.test(t)).join(' '),
              r.status === 'loaded' ? (r.generates ? 'loaded' : 'loaded (input)') : app.c.yellow(`skipped: ${r.reason}`),
            ]),
            { raw: new Set([0, 4]) },
          );
          app.out.line(table);
          app.log.info(`${rows.length - p.skipped.length} loaded, ${skipped.length} skipped, from ${set.files} files`);
        }
      }),
    );

  rules
    .command('lint')
    .description('Check rule files: YAML, Sigma structure, modifiers, field mappings. Errors as file:line:col; exit 2 when there is any.')
    .argument('<paths...>', 'rule files or folders')
    .addHelpText('after', examples(['loghound rules lint ./my-rules', 'loghound rules lint ./my-rules/sudo_refused.yml']))
    .action(
      action(async (paths: string[], _flags: unknown, cmd: Command) => {
        const app = appFor(cmd);
        const set = await loadRuleSet({ builtin: false, rules: paths });
        const { plan } = await import('../../detect/engine.js');
        const p = plan(set.rules);
        const problems = [...set.skipped, ...p.skipped];
        const { escapeTerminal } = await import('../../output/escape.js');
        for (const s of problems) app.out.line(escapeTerminal(`${where(s)}: ${s.title ? `${s.title}: ` : ''}${s.reason}`));
        app.log.info(`${set.rules.length} rules in ${set.files} files, ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
        return problems.length ? EXIT.ERROR : EXIT.OK;
      }),
    );

  rules
    .command('test')
    .description('Run the rules\' own tests (tests/<rule>/match.log and nomatch.log beside each rule); exit 2 when one fails.')
    .argument('[paths...]', 'rule files or folders (default: the built-in pack)')
    .option('--json', 'one JSON object per test case')
    .addHelpText('after', examples(['loghound rules test', "loghound rules test ./my-rules --json | jq -c 'select(.ok | not)'"]))
    .action(
      action(async (paths: string[], flags: { json?: boolean }, cmd: Command) => {
        const app = appFor(cmd);
        const { BUILTIN_RULES, ruleFiles } = await import('../../detect/load.js');
        const { runRuleTest, testCases } = await import('../ruletest.js');
        const { escapeTerminal } = await import('../../output/escape.js');
        const targets = paths.length ? paths : [BUILTIN_RULES];
        const { files, missing } = ruleFiles(targets);
        // a misspelt folder would otherwise run 0 cases and pass: a CI job that tests nothing, green
        if (missing.length) throw new InputError(`${missing.join(', ')}: no such file or folder`);
        const set = await loadRuleSet({ builtin: true, rules: paths });
        let failed = 0;
        let ran = 0;
        const untested: string[] = [];
        for (const file of files) {
          if (!testCases(file)) {
            untested.push(file);
            continue;
          }
          for (const r of await runRuleTest(file, set.rules)) {
            ran++;
            if (!r.ok) failed++;
            if (flags.json) app.out.line(jsonLine(r));
            else app.out.line(`${r.ok ? app.c.green('ok  ') : app.c.red('FAIL')} ${r.case.padEnd(7)} ${escapeTerminal(`${r.title}${r.message ? ` — ${r.message}` : ''}`)}`);
          }
        }
        for (const u of untested) app.log.warn(`${u}: no tests (tests/<rule>/match.log and nomatch.log)`);
        app.log.info(`${ran} cases, ${failed} failed, ${untested.length} rule files without tests`);
        return failed ? EXIT.ERROR : EXIT.OK;
      }),
    );
}
