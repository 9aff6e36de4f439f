/** Process entry: bin/loghound.js imports this; tests spawn it directly from their own build folder. */
import { main } from './main.js';

// SQLite spills large sorts and index builds to unnamed files in the temp folder; they are unlinked at once, but
// between create and unlink they would carry the default mode. Nothing loghound writes is meant for other users.
process.umask(0o077);
process.exitCode = await main(process.argv);
