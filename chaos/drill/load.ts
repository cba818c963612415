import { loadDocumentFile, parseDocumentText } from '../../failover/config/document';
import { assertKnownRegion } from '../../failover/config/names';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { type Drill, drillSchema, type RegionRef } from './schema';

/** Reads and validates a drill file (YAML or JSON). Throws a DocumentError naming the line, field and fix. */
export function loadDrill(file: string): Drill {
  return loadDocumentFile(file, drillSchema);
}

export function parseDrill(text: string, source = 'drill'): Drill {
  return parseDocumentText(text, drillSchema, source);
}

/** "primary" / "secondary" / a Region code → the Region code of this deployment (unknown codes are an error). */
export function resolveRegion(ref: RegionRef, config: Pick<RegionFlipConfig, 'regions'>): string {
  if (ref === 'primary') return config.regions.primary;
  if (ref === 'secondary') return config.regions.secondary;
  return assertKnownRegion(config, ref);
}
