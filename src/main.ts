/**
 * argv -> exit code. The one place that maps errors to exit codes; bin/loghound.js sets process.exitCode from
 * the result and nothing calls process.exit.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.js';
import { takeExitCode } from './cli/app.js';
import { EXIT, LoghoundError } from './errors.js';
import { log } from './output/log.js';
import { stdout } from './output/sink.js';

export async function main(argv: string[]): Promise<number> {
  let code: number;
  try {
    await buildProgram().parseAsync(argv);
    code = takeExitCode();
  } catch (err) {
    code = exitCodeFor(err);
  }
  try {
    await stdout().end();
  } catch {
    // stdout closed under us: a normal end for `| head`
  }
  return code;
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander has printed its message already
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? EXIT.OK : EXIT.ERROR;
  }
  if (err instanceof LoghoundError) {
    log().error(err.message, err.hint);
    return err.exitCode;
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EPIPE') return EXIT.OK;
  log().error(`unexpected failure: ${e?.message ?? String(err)}`, 'this is a bug in loghound; please report it with the command line (--verbose shows where it happened)');
  if (e?.stack) log().debug(e.stack);
  return EXIT.ERROR;
}
