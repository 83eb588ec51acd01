/** Marker line that starts each section of a multi-fact command's output. */
export const SECTION_MARKER = '@@certfleet-fact';

/** Shell line that prints a section marker. */
export function sectionHeader(name: string): string {
  return `echo '${SECTION_MARKER} ${name}'`;
}

/** Splits a multi-fact output into its sections, by name. */
export function splitSections(output: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith(`${SECTION_MARKER} `)) {
      if (current !== undefined) sections.set(current, lines.join('\n').trimEnd());
      current = line.slice(SECTION_MARKER.length + 1).trim();
      lines = [];
    } else if (current !== undefined) {
      lines.push(line);
    }
  }
  if (current !== undefined) sections.set(current, lines.join('\n').trimEnd());
  return sections;
}
