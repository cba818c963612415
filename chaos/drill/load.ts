import { readFileSync } from 'node:fs';
import { isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { DocumentError, type DocumentIssue, loadDocumentFile, parseDocumentText } from '../../failover/config/document';
import { assertKnownRegion } from '../../failover/config/names';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { type Drill, drillSchema, type RegionRef } from './schema';

/**
 * Reads and validates a drill file (YAML or JSON). Throws a DocumentError naming the line, field and fix: YAML syntax
 * errors and duplicate keys with their line, schema errors, and — given the configuration — every Region the file
 * names that this deployment does not have. Called before anything starts, so a bad file changes nothing.
 */
export function loadDrill(file: string, config?: Pick<RegionFlipConfig, 'regions'>): Drill {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // loadDocumentFile reports the unreadable file.
  }
  if (text !== undefined) checkDrillText(text, file, config);
  return loadDocumentFile(file, drillSchema);
}

export function parseDrill(text: string, source = 'drill', config?: Pick<RegionFlipConfig, 'regions'>): Drill {
  checkDrillText(text, source, config);
  return parseDocumentText(text, drillSchema, source);
}

/** YAML errors (syntax, duplicate keys) with their line; with a configuration, unknown Regions with theirs. */
function checkDrillText(text: string, source: string, config: Pick<RegionFlipConfig, 'regions'> | undefined): void {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const issues: DocumentIssue[] = doc.errors.map((e) => ({
    path: '',
    line: lines.linePos(e.pos[0]).line,
    message: `${e.code === 'DUPLICATE_KEY' ? 'duplicate key' : 'not valid YAML'}: ${e.message.split('\n')[0]}`,
  }));
  if (issues.length === 0 && config) {
    const known = ['primary', 'secondary', config.regions.primary, config.regions.secondary];
    visit(doc, {
      Pair(_key, pair, path) {
        if (!isPair(pair) || !isScalar(pair.key) || pair.key.value !== 'region' || !isScalar(pair.value)) return;
        const value = String(pair.value.value);
        if (known.includes(value)) return;
        // Field path as the schema errors spell it: keys of the pairs, indexes into sequences.
        const chain = [...path, pair];
        const fields = chain.flatMap((node, i) => {
          if (isPair(node)) return isScalar(node.key) ? [String(node.key.value)] : [];
          if (isSeq(node)) return [String(node.items.indexOf(chain[i + 1] as never))];
          return [];
        });
        issues.push({
          path: fields.join('.'),
          line: pair.value.range ? lines.linePos(pair.value.range[0]).line : undefined,
          message: `unknown Region: use primary, secondary, ${config.regions.primary} or ${config.regions.secondary}`,
          received: JSON.stringify(value),
        });
      },
    });
  }
  if (issues.length > 0) throw new DocumentError(source, issues);
}

/** "primary" / "secondary" / a Region code → the Region code of this deployment (unknown codes are an error). */
export function resolveRegion(ref: RegionRef, config: Pick<RegionFlipConfig, 'regions'>): string {
  if (ref === 'primary') return config.regions.primary;
  if (ref === 'secondary') return config.regions.secondary;
  return assertKnownRegion(config, ref);
}
