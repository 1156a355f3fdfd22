// How many customers of a known group an audience file holds: in the demo and tests, the share of
// the hidden subscribers (whom the job never saw as seeds) that the lookalike audience finds.
import { readFile } from 'node:fs/promises';

async function idColumn(path: string): Promise<string[]> {
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/).filter(Boolean).slice(1);
  return lines.map((l) => (l.startsWith('"') ? (l.slice(1).split('",')[0] as string).replaceAll('""', '"') : (l.split(',')[0] as string)).trim());
}

export async function audienceRecall(audiencePath: string, groupPath: string): Promise<{ found: number; total: number; recall: number }> {
  const audience = new Set(await idColumn(audiencePath));
  const group = await idColumn(groupPath);
  const found = group.filter((id) => audience.has(id)).length;
  return { found, total: group.length, recall: group.length === 0 ? 0 : found / group.length };
}
