import { FisClient } from '@aws-sdk/client-fis';
import { mockClient } from 'aws-sdk-client-mock';
import { FIS_TAGS } from '../../infra/fis/tags';

/**
 * One FIS stub for the AWS drill tests. @aws-sdk/client-fis is pinned to an older SDK release than the other clients
 * (the registry has no newer one), so its command types do not line up with aws-sdk-client-mock's generics; the stub
 * is typed loosely here and behaves the same.
 */
export interface LooseBehaviour {
  resolves(output: unknown): LooseBehaviour;
  resolvesOnce(output: unknown): LooseBehaviour;
  on(command: unknown, input?: unknown): LooseBehaviour;
}
export interface LooseStub {
  on(command: unknown, input?: unknown): LooseBehaviour;
  reset(): void;
  commandCalls(command?: unknown): { args: [{ input: unknown; constructor: { name: string } }] }[];
  calls(): { args: [{ constructor: { name: string } }] }[];
}

export const mockFis = (): LooseStub => mockClient(FisClient as never) as unknown as LooseStub;

/** The tags the CDK app puts on a drill's experiment template (infra/fis/tags.ts). */
export const templateTags = (app: string, fault: string, region: string, extra: Record<string, string> = {}) => ({
  [FIS_TAGS.app]: app,
  [FIS_TAGS.fault]: fault,
  [FIS_TAGS.region]: region,
  ...extra,
});
