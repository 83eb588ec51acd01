export type DistroFamily = 'debian' | 'rhel' | 'unknown';

export interface OsRelease {
  id: string;
  idLike: string[];
  versionId: string;
  prettyName: string;
  family: DistroFamily;
}

const DEBIAN_IDS = new Set(['debian', 'ubuntu']);
const RHEL_IDS = new Set(['rhel', 'centos', 'fedora', 'rocky', 'almalinux']);

/** Parses /etc/os-release (shell-style KEY=value lines, values maybe quoted). */
export function parseOsRelease(text: string): OsRelease {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    values.set(match[1]!, unquote(match[2]!));
  }
  const id = (values.get('ID') ?? '').toLowerCase();
  const idLike = (values.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return {
    id,
    idLike,
    versionId: values.get('VERSION_ID') ?? '',
    prettyName: values.get('PRETTY_NAME') ?? id,
    family: familyOf(id, idLike),
  };
}

function familyOf(id: string, idLike: string[]): DistroFamily {
  const names = [id, ...idLike];
  if (names.some((name) => DEBIAN_IDS.has(name))) return 'debian';
  if (names.some((name) => RHEL_IDS.has(name))) return 'rhel';
  return 'unknown';
}

function unquote(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length >= 2 && (trimmed[0] === '"' || trimmed[0] === "'") && trimmed.endsWith(trimmed[0]!)) {
    return trimmed.slice(1, -1).replace(/\\(["$`\\])/g, '$1');
  }
  return trimmed;
}
