/** The fallback: any line is kept, with the first IP address and timestamp found in it. */
import type { Parser } from './types.js';
import { findIp, findTimestamp } from './lib.js';

export const raw: Parser = {
  name: 'raw',
  description: 'any line, kept as is with the first IP address and timestamp found in it',
  datasets: ['raw'],
  detect: () => 0.01,
  create(ctx) {
    return {
      parse(line) {
        const ts = findTimestamp(line, ctx.tz, ctx.mtimeMs);
        const ip = findIp(line);
        // no message field: the raw line is stored anyway (event.original), and search covers both
        return { ts, dataset: 'raw', fields: { 'source.ip': ip } };
      },
      flush: () => [],
    };
  },
};
