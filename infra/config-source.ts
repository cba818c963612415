import { isAbsolute, resolve } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../failover/config/load';
import { assertKnownRegion } from '../failover/config/names';
import type { RegionFlipConfig } from '../failover/config/schema';

/** cdk.json context keys the app reads (override with `-c key=value`). */
export const CONTEXT = {
  /** Path of the configuration file, relative to the project root. Default: infra/config/regionflip.yaml. */
  configFile: 'regionflip:config',
  /**
   * The Region the routing records point at when the DNS stack is deployed. Default: the primary Region. Set it to the
   * Region traffic is on when you redeploy the DNS stack after a failover, so the deploy does not move traffic back.
   */
  activeRegion: 'regionflip:activeRegion',
} as const;

const PROJECT_ROOT = resolve(__dirname, '..');

export interface AppSettings {
  readonly config: RegionFlipConfig;
  readonly configFile: string;
  readonly activeRegion: string;
}

/** Reads and validates the configuration named by the app's context; a bad file or value stops synth with the fix. */
export function settingsFromContext(app: App): AppSettings {
  const fileContext = app.node.tryGetContext(CONTEXT.configFile) as unknown;
  if (fileContext !== undefined && (typeof fileContext !== 'string' || fileContext === '')) {
    throw new Error(
      `context "${CONTEXT.configFile}"=${JSON.stringify(fileContext)} is not a file path: set it to a YAML file such as "infra/config/regionflip.yaml"`,
    );
  }
  const configFile =
    fileContext === undefined
      ? DEFAULT_CONFIG_FILE
      : isAbsolute(fileContext)
        ? fileContext
        : resolve(PROJECT_ROOT, fileContext);
  const config = loadConfig(configFile);
  const activeContext = app.node.tryGetContext(CONTEXT.activeRegion) as unknown;
  const activeRegion = activeContext === undefined ? config.regions.primary : String(activeContext);
  try {
    assertKnownRegion(config, activeRegion);
  } catch (err) {
    throw new Error(`context "${CONTEXT.activeRegion}": ${(err as Error).message}`);
  }
  return { config, configFile, activeRegion };
}
