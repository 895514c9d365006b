/** Reading and writing the committed snapshot folder (`packages/events/schemas`). */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderSnapshot, type SchemaSnapshot } from './snapshot.ts';

export const snapshotsDir = new URL('../../schemas', import.meta.url).pathname;

export async function readSnapshots(dir = snapshotsDir): Promise<SchemaSnapshot[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(files.map(async (file) => JSON.parse(await readFile(join(dir, file), 'utf8')) as SchemaSnapshot));
}

/**
 * Writes one file per type. Snapshots of types no longer registered are kept: deleting one is a
 * decision the gate makes visible (removed-type), not something a refresh does silently.
 */
export async function writeSnapshots(snapshots: readonly SchemaSnapshot[], dir = snapshotsDir): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const snapshot of snapshots) {
    const path = join(dir, `${snapshot.type}.json`);
    await writeFile(path, renderSnapshot(snapshot));
    written.push(path);
  }
  return written;
}
