import { createAwsClients } from '../aws/clients';
import { loadRuntimeSettings } from '../config/runtime-settings';
import { createFailoverHandler, failoverDepsFromSettings } from './failover-handler';

/**
 * The failover Lambda (SNS-triggered). Cold start validates the environment (a bad variable fails loudly, naming the
 * variable and the fix) and creates the AWS clients once; each invocation parses, decides, switches, logs.
 * Tests and the local environment build the same handler with createFailoverHandler.
 */
const settings = loadRuntimeSettings();
const clients = createAwsClients([settings.regions.primary, settings.regions.secondary]);

export const handler = createFailoverHandler(failoverDepsFromSettings(settings, clients));
export { createFailoverHandler } from './failover-handler';
