/** Which rules a command runs: the built-in pack unless --no-builtin, plus every --rules path. */
import type { LoadResult } from '../detect/load.js';
import type { Config } from '../config.js';

export interface RuleFlags {
  rules?: string[];
  builtin?: boolean;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The config file's `rules` paths count when no --rules is given. */
export async function loadRuleSet(flags: RuleFlags, config?: Config): Promise<LoadResult> {
  const { loadRules, BUILTIN_RULES } = await import('../detect/load.js');
  const paths = [...(flags.builtin === false ? [] : [BUILTIN_RULES]), ...(flags.rules ?? config?.values.rules ?? [])];
  return loadRules(paths);
}
