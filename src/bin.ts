/** Process entry: bin/loghound.js imports this; tests spawn it directly from their own build folder. */
import { main } from './main.js';

process.exitCode = await main(process.argv);
