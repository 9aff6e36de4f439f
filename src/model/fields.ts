/**
 * The ECS field catalogue: the one list that decides which fields are store columns, how search, rules and
 * export address them, and what README's schema table says. A field without `column` lives in the events.extra
 * JSON object under its dotted name.
 */
export type FieldType = 'keyword' | 'keyword[]' | 'text' | 'long' | 'double' | 'boolean' | 'ip' | 'date' | 'object';

export interface FieldDef {
  name: string;
  type: FieldType;
  /** events table column; absent: stored in events.extra */
  column?: string;
  desc: string;
  /** which parsers fill it (documentation) */
  filledBy: string;
}

const col = (name: string) => name.replace(/[.@]/g, '_').replace(/^_/, '');

function f(name: string, type: FieldType, desc: string, filledBy: string, column = true): FieldDef {
  return column ? { name, type, column: col(name), desc, filledBy } : { name, type, desc, filledBy };
}

export const FIELDS: FieldDef[] = [
  { name: '@timestamp', type: 'date', column: 'ts', desc: 'when the event happened, UTC (epoch ms in the store, ISO-8601 in JSON)', filledBy: 'all' },
  { name: 'event.dataset', type: 'keyword', column: 'dataset', desc: 'which log it came from: web.access, system.auth, ...', filledBy: 'all' },
  f('event.category', 'keyword[]', 'ECS category: authentication, web, network, iam, process, session, ...', 'all but raw'),
  f('event.type', 'keyword[]', 'ECS type: access, start, end, denied, allowed, creation, change, info, ...', 'all but raw'),
  f('event.action', 'keyword', 'what happened, e.g. ssh_login, sudo_command, user_created, firewall_block', 'syslog programs, firewall, auditd, cloudtrail, fail2ban'),
  f('event.outcome', 'keyword', 'success | failure | unknown', 'all but raw'),
  f('source.ip', 'ip', 'client / remote address', 'web, sshd, pam, firewall, haproxy, auditd, cloudtrail, vpcflow, zeek, fail2ban, json, raw, suricata'),
  f('source.port', 'long', 'client / remote port', 'sshd, firewall, haproxy, vpcflow, zeek, web error, suricata'),
  f('destination.ip', 'ip', 'server / local address', 'firewall, haproxy, vpcflow, zeek, suricata'),
  f('destination.port', 'long', 'server / local port', 'firewall, haproxy, vpcflow, zeek, suricata'),
  f('user.name', 'keyword', 'the acting or authenticating user', 'web (auth user), sshd, sudo, su, pam, auditd, cloudtrail, zeek (http)'),
  f('user.target.name', 'keyword', 'the user acted upon: sudo/su target, created or changed account', 'sudo, su, useradd, usermod, passwd'),
  f('host.name', 'keyword', 'the host that wrote the log', 'syslog, haproxy, auditd (node=), suricata'),
  f('process.name', 'keyword', 'program name', 'syslog, web error, auditd (comm), fail2ban'),
  f('process.pid', 'long', 'process id', 'syslog, web error, auditd, fail2ban'),
  f('http.request.method', 'keyword', 'GET, POST, ...', 'web access, haproxy, web error, zeek (http), suricata'),
  f('http.request.referrer', 'keyword', 'Referer header', 'web access, web error, zeek (http), suricata'),
  f('http.version', 'keyword', 'HTTP protocol version, e.g. 1.1', 'web access, haproxy, zeek (http), suricata'),
  f('url.original', 'keyword', 'the request target as sent', 'web access, haproxy, web error, zeek (http), suricata'),
  f('url.path', 'keyword', 'path part of the request target', 'web access, haproxy, web error, zeek (http), suricata'),
  f('url.query', 'keyword', 'query string without the "?"', 'web access, haproxy, zeek (http), suricata'),
  f('http.response.status_code', 'long', 'HTTP status', 'web access, haproxy, zeek (http), suricata'),
  f('http.response.body.bytes', 'long', 'response size in bytes', 'web access, haproxy, zeek (http), suricata'),
  f('user_agent.original', 'keyword', 'User-Agent header', 'web access, cloudtrail, json, zeek (http), suricata'),
  f('network.transport', 'keyword', 'tcp, udp, icmp, ...', 'firewall, vpcflow, zeek, suricata'),
  f('network.bytes', 'long', 'bytes transferred', 'vpcflow, zeek (conn), haproxy (tcp), suricata'),
  f('message', 'text', 'the human-readable message (for syslog: the text after the program tag)', 'syslog, web error, fail2ban, zeek (notice, weird), json, raw, suricata'),
];

/**
 * Fields that come from enrichment, per address (the ip_intel table), not from the log line: search, rules and
 * JSON output see them as event fields.
 */
export const INTEL_FIELDS: FieldDef[] = [
  ...(['source', 'destination'] as const).flatMap((side): FieldDef[] => [
  { name: `${side}.geo.country_iso_code`, type: 'keyword', desc: `ISO 3166 country of ${side}.ip`, filledBy: 'enrichment (GeoIP)' },
  { name: `${side}.geo.country_name`, type: 'keyword', desc: `country name of ${side}.ip`, filledBy: 'enrichment (GeoIP)' },
  { name: `${side}.geo.city_name`, type: 'keyword', desc: `city of ${side}.ip (City databases)`, filledBy: 'enrichment (GeoIP)' },
  { name: `${side}.as.number`, type: 'long', desc: `autonomous system of ${side}.ip`, filledBy: 'enrichment (ASN database)' },
  { name: `${side}.as.organization.name`, type: 'keyword', desc: `AS organization of ${side}.ip`, filledBy: 'enrichment (ASN database)' },
  ]),
  { name: 'threat.indicator.ip', type: 'ip', desc: 'the source and/or destination addresses of this event that a threat feed lists', filledBy: 'enrichment (feeds)' },
  { name: 'threat.feed.name', type: 'keyword', desc: 'every feed listing the source or destination address: any of them matches', filledBy: 'enrichment (feeds)' },
  { name: 'threat.context', type: 'keyword', desc: 'what the feeds say the listed addresses are (Malicious Host, Botnet C2, Tor Exit, ...): any of them matches', filledBy: 'enrichment (feeds)' },
  { name: 'threat.severity', type: 'keyword', desc: 'informational..critical, from the listing feeds\' weights: the highest of the listed addresses', filledBy: 'enrichment (feeds)' },
  { name: 'threat.feed_count', type: 'long', desc: 'how many enabled feeds list the address: the most of the listed addresses', filledBy: 'enrichment (feeds)' },
];

export const COLUMN_FIELDS = FIELDS.filter((d) => d.column && d.column !== 'ts' && d.column !== 'dataset');

const byName = new Map([...FIELDS, ...INTEL_FIELDS].map((d) => [d.name, d]));
FIELDS.push(...INTEL_FIELDS);

/**
 * Parsers add the extra (non-column) fields they fill, for documentation and search typing. A field several
 * parsers fill keeps the first definition and collects every parser's name.
 */
export function registerFields(defs: FieldDef[]): void {
  for (const d of defs) {
    const known = byName.get(d.name);
    if (!known) {
      const own = { ...d };
      FIELDS.push(own);
      byName.set(d.name, own);
    } else if (!known.column) {
      // one definition can name several parsers ("access, json"); each is listed once
      const names = known.filledBy.split(', ');
      for (const n of d.filledBy.split(', ')) if (!names.includes(n)) names.push(n);
      known.filledBy = names.join(', ');
    }
  }
}

/** The schema as a markdown table (README's "Event schema"), column fields first, then the rest by name. */
export function schemaTable(): string {
  const rows = [...FIELDS].sort((a, b) => Number(!a.column) - Number(!b.column) || (a.column ? 0 : a.name.localeCompare(b.name)));
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| field | type | meaning | filled by |',
    '| --- | --- | --- | --- |',
    ...rows.map((f) => `| \`${f.name}\`${f.column ? ' (column)' : ''} | ${f.type} | ${cell(f.desc)} | ${cell(f.filledBy)} |`),
  ].join('\n');
}

export function fieldDef(name: string): FieldDef | undefined {
  return byName.get(name);
}
