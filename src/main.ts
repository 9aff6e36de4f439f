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
    await (await buildProgram(argv)).parseAsync(argv);
    code = takeExitCode();
  } catch (err) {
    code = exitCodeFor(err);
  }
  try {
    await stdout().end();
  } catch (err) {
    // a full disk is an error whatever the command found; stdout closed under us is a normal end for `| head`
    if (err instanceof LoghoundError) code = exitCodeFor(err);
  }
  return code;
}

/** SQLite failures that are the environment's, not a bug: say so plainly. */
function sqliteProblem(code: string | undefined): string | undefined {
  switch (code) {
    case 'SQLITE_FULL':
      return 'the disk holding the store is full';
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
    case 'SQLITE_CANTOPEN':
      return 'the store cannot be written';
    case 'SQLITE_IOERR':
    case 'SQLITE_IOERR_WRITE':
    case 'SQLITE_IOERR_FSYNC':
      return 'the disk holding the store failed a write';
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return 'the store is damaged or not a loghound store (loghound db check tells more)';
    default:
      return code?.startsWith('SQLITE_IOERR') ? 'the disk holding the store failed' : undefined;
  }
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
  const store = sqliteProblem(e?.code);
  if (store) {
    log().error(`${store}: ${e.message}`);
    return EXIT.ERROR;
  }
  log().error(`unexpected failure: ${e?.message ?? String(err)}`, 'this is a bug in loghound; please report it with the command line (--verbose shows where it happened)');
  if (e?.stack) log().debug(e.stack);
  return EXIT.ERROR;
}
