/** Placeholder for a format whose parser is being written: it detects nothing and rejects every line. */
import type { Parser } from './types.js';

export function notYet(name: string, dataset: string): Parser {
  return {
    name,
    description: `${name} (not implemented yet)`,
    datasets: [dataset],
    detect: () => 0,
    create: () => ({ parse: () => `the ${name} parser is not implemented yet`, flush: () => [] }),
  };
}
