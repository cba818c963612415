/**
 * The AWS SDK's documented switch for its Node-version notice (aws/aws-sdk-js-v3#7983). The SDK warns on every Node
 * below 22, eight lines on stderr per process, although Node 20 is supported by this project (package.json "engines")
 * and by the SDK versions it pins; on-call would read it on every command. A value the user set is kept.
 */
export const SDK_NODE_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/** Sets the switch in this process (and so in the processes it spawns with its environment); call before any client. */
export function quietSdkNodeVersionWarning(env: NodeJS.ProcessEnv = process.env): void {
  env[SDK_NODE_WARNING_SWITCH] ??= 'true';
}
