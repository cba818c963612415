import { quietSdkNodeVersionWarning } from '../../failover/aws/node-support';

// jest setupFiles: every test file (and any CLI it spawns with this environment) runs without the SDK's Node notice.
quietSdkNodeVersionWarning();
