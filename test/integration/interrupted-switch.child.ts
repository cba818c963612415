import { createAwsClients } from '../../failover/aws/clients';
import type { RuntimeSettings } from '../../failover/config/runtime-settings';
import { failoverDepsFromSettings } from '../../failover/handler/failover-handler';
import { executeSwitch, systemClock } from '../../failover/switch/execute-switch';

/**
 * A switch in a process of its own, for the crash test: it prints "batch-applied <n>/<of>" as Route 53 batches land
 * and, after the first one, holds still so the parent's SIGKILL lands between batches (a crash midway, made
 * deterministic). Reads the deployment from REGIONFLIP_TEST_SETTINGS and moto from REGIONFLIP_AWS_ENDPOINT.
 */
const settings = JSON.parse(process.env.REGIONFLIP_TEST_SETTINGS ?? '') as RuntimeSettings;
const deps = failoverDepsFromSettings(
  settings,
  createAwsClients([settings.regions.primary, settings.regions.secondary]),
);

void executeSwitch(
  {
    ...deps,
    clock: systemClock,
    owner: `interrupted-child:${process.pid}`,
    onProgress: (progress) => {
      if (progress.type !== 'batch-applied') return;
      process.stdout.write(`batch-applied ${progress.index}/${progress.of}\n`);
      if (progress.index === 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    },
  },
  {
    switch: { targetRegion: settings.regions.secondary, scope: { kind: 'region' } },
    caller: 'drill',
    actor: 'crash-test',
    reason: 'switch interrupted by SIGKILL',
    trigger: 'test:interrupted-switch',
    leaseSeconds: 5,
  },
).then((report) => process.stdout.write(`finished ${report.outcome}\n`));
