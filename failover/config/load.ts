import { resolve } from 'node:path';
import { loadDocumentFile, parseDocumentText } from './document';
import { configSchema, type RegionFlipConfig } from './schema';

/** The configuration shipped with the project: a sample SaaS with tenants of every tier. */
export const DEFAULT_CONFIG_FILE = resolve(__dirname, '../../infra/config/regionflip.yaml');

/** Loads and validates a configuration file (YAML or JSON). Throws a DocumentError naming every bad value. */
export function loadConfig(file: string = process.env.REGIONFLIP_CONFIG ?? DEFAULT_CONFIG_FILE): RegionFlipConfig {
  return loadDocumentFile(file, configSchema);
}

export function parseConfig(text: string, source = 'configuration'): RegionFlipConfig {
  return parseDocumentText(text, configSchema, source);
}
