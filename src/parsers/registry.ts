/**
 * The parser registry: one line per format. Detection picks the best score; ties go to the earlier entry, so more
 * specific formats come first (haproxy lines carry a syslog prefix, so haproxy precedes syslog).
 * A new format is one file plus one line here.
 */
import type { Parser } from './types.js';
import { registerFields } from '../model/fields.js';
import { cloudtrail } from './cloudtrail.js';
import { vpcflow } from './vpcflow.js';
import { zeek } from './zeek.js';
import { auditd } from './auditd.js';
import { container } from './container.js';
import { access } from './access.js';
import { nginxError } from './nginx-error.js';
import { apacheError } from './apache-error.js';
import { haproxy } from './haproxy.js';
import { fail2ban } from './fail2ban.js';
import { syslog } from './syslog.js';
import { firewall } from './firewall.js';
import { journald } from './journald.js';
import { suricata } from './suricata.js';
import { k8sAudit } from './k8s-audit.js';
import { json } from './json.js';
import { logfmt } from './logfmt.js';
import { raw } from './raw.js';

export const PARSERS: Parser[] = [
  cloudtrail,
  vpcflow,
  // Zeek's JSON records are JSON lines too: zeek must come before json to win the tie
  zeek,
  auditd,
  // a container log's lines are JSON (Docker) or start with a time (CRI) and may hold access lines: it must win the tie
  container,
  access,
  nginxError,
  apacheError,
  haproxy,
  syslog,
  // after syslog: a file of fail2ban lines behind syslog prefixes scores the same in both, and syslog reads them
  fail2ban,
  firewall,
  // journal entries are JSON lines too: journald must come before json to win the tie
  journald,
  // EVE records are JSON lines too: suricata must come before json to win the tie
  suricata,
  // and so are Kubernetes audit events
  k8sAudit,
  json,
  logfmt,
  raw,
];

for (const p of PARSERS) if (p.fields) registerFields(p.fields);

export function parserByName(name: string): Parser | undefined {
  return PARSERS.find((p) => p.name === name);
}

export const RAW = raw;
