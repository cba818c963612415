import { quietSdkNodeVersionWarning } from '../aws/node-support';

// Imported first by main.ts: the SDK reads its switch when the first client is created, so it must be set before that.
quietSdkNodeVersionWarning();
