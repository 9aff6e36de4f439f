/** The built-in rule pack as files: where it lives and the ids its rules carry. */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PROJECT_ROOT } from '../helpers/cli.js';

export const RULES = path.join(PROJECT_ROOT, 'rules');

/** Every rule file of the pack, relative to rules/ (folders named tests hold test logs, not rules). */
export function packFiles(dir = RULES): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory()) {
      if (entry.name !== 'tests') out.push(...packFiles(path.join(dir, entry.name)));
    } else if (/\.ya?ml$/.test(entry.name)) out.push(path.relative(RULES, path.join(dir, entry.name)));
  }
  return out;
}

/** The YAML documents of a rule file, as plain objects. */
export function documents(rel: string): Record<string, any>[] {
  return YAML.parseAllDocuments(fs.readFileSync(path.join(RULES, rel), 'utf8')).map((d) => d.toJS() as Record<string, any>);
}

/** The id of a rule file's first rule, e.g. ruleId('auth/ssh_bruteforce'). */
export function ruleId(stem: string): string {
  return documents(`${stem}.yml`)[0].id;
}
