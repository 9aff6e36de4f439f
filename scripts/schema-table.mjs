#!/usr/bin/env node
/** Writes the event schema table into README.md between its schema markers (run after `npm run build`). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await import(path.join(root, 'dist/src/parsers/registry.js'));
const { schemaTable } = await import(path.join(root, 'dist/src/model/fields.js'));
const readme = path.join(root, 'README.md');
const text = fs.readFileSync(readme, 'utf8');
const begin = '<!-- schema:begin -->';
const end = '<!-- schema:end -->';
const i = text.indexOf(begin);
const j = text.indexOf(end);
if (i < 0 || j < 0) throw new Error('README.md has no schema markers');
fs.writeFileSync(readme, `${text.slice(0, i + begin.length)}\n${schemaTable()}\n${text.slice(j)}`);
console.log('README.md: schema table updated');
