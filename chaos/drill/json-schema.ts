import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { drillSchema } from './schema';

/** The published JSON Schema of drill files, for editors (`# yaml-language-server: $schema=...`) and other tools. */
export const DRILL_JSON_SCHEMA_FILE = join(__dirname, 'drill.schema.json');

/** Generated from the zod schema, describing what a human writes (defaults make fields optional). */
export function drillJsonSchemaText(): string {
  const schema = z.toJSONSchema(drillSchema, { io: 'input', unrepresentable: 'any' });
  const published = {
    ...schema,
    $id: 'https://regionflip.dev/schemas/drill.schema.json',
    title: 'RegionFlip drill',
    description: 'A chaos drill: steady-state hypothesis, method (faults, probes, waits), expectations, rollbacks.',
  };
  return `${JSON.stringify(published, null, 2)}\n`;
}

// `npx tsx chaos/drill/json-schema.ts` regenerates the published file after a schema change.
if (require.main === module) {
  writeFileSync(DRILL_JSON_SCHEMA_FILE, drillJsonSchemaText());
  process.stdout.write(`wrote ${DRILL_JSON_SCHEMA_FILE}\n`);
}
