import { RunbookStepError, RunbookUsageError } from '../../runbooks/errors';

/**
 * The one exit-code table of every `regionflip` command (README.md, "Exit codes"): scripts and on-call can tell "the
 * answer is no" from "you typed it wrong" from "AWS cannot be reached" without reading the output.
 */
export const EXIT = {
  ok: 0,
  /** The command ran and something needs a human: a precheck refused, a verification or drill failed, status found problems. */
  needsHuman: 1,
  /** Bad or missing flag, argument or value: nothing was read or changed. */
  usage: 2,
  /** A step failed part-way (the run is kept: the same command continues it), or an unexpected error. */
  failed: 3,
  /** AWS (locally: moto) cannot be reached or refuses us: credentials, network, permissions. */
  access: 4,
  /** Interrupted: 128 + the signal number (SIGINT 130, SIGTERM 143), as shells report it. */
  sigint: 130,
  sigterm: 143,
} as const;

/** What each code means, word for word as README.md's "Exit codes" table says it (a test compares the two). */
export const EXIT_CODE_TABLE: readonly (readonly [number, string])[] = [
  [EXIT.ok, 'done; for `status`: nothing needs a human'],
  [
    EXIT.needsHuman,
    'the command ran and the answer needs a human: a precheck refused, a verification, probe or drill failed, a file is bad',
  ],
  [EXIT.usage, 'usage error: a bad or missing flag, argument or value; nothing was read or changed'],
  [EXIT.failed, 'a step failed part-way (the same command continues the run), or an unexpected error'],
  [EXIT.access, 'cannot reach or authenticate to AWS (locally: moto): credentials, network, permissions'],
  [EXIT.sigint, 'interrupted with Ctrl-C (SIGINT)'],
  [EXIT.sigterm, 'stopped with SIGTERM'],
];

/** Bad input found by a command itself (beyond what the flag parser checks): exit 2, nothing changed. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An error for the terminal: one line saying what is wrong, then what to do, and the exit code it ends with. */
export interface CliFailure {
  readonly code: number;
  readonly message: string;
  readonly fix?: string;
  /** The rest of a multi-line message (a moto install log, a list of problems). */
  readonly detail?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);
const DENIED_NAMES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'UnauthorizedOperation',
  'NotAuthorized',
]);
const CREDENTIAL_NAMES = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'TokenRefreshRequired',
]);

function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Translates what reaches the CLI's top level into the exit-code table and words an on-call engineer can act on. */
export function describeFailure(err: unknown): CliFailure {
  if (err instanceof RunbookUsageError || err instanceof UsageError) return { code: EXIT.usage, message: err.message };
  if (err instanceof RunbookStepError) return { code: EXIT.failed, message: err.message };
  const e = err instanceof Error ? err : new Error(String(err));
  const first = e.message.split('\n')[0] ?? '';
  if (CREDENTIAL_NAMES.has(e.name) || /Could not load credentials/.test(e.message)) {
    return {
      code: EXIT.access,
      message: `no valid AWS credentials (${e.name}: ${first})`,
      fix: 'log in (`aws sso login --profile <p>` and AWS_PROFILE=<p>, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), then run the command again',
    };
  }
  if (DENIED_NAMES.has(e.name)) {
    return {
      code: EXIT.access,
      message: `AWS refused the call: ${first}`,
      fix: 'use a role with the permissions infra/README.md lists for operators, or ask who owns the account',
    };
  }
  const net = networkCode(e);
  if (net || e.name === 'TimeoutError') {
    return {
      code: EXIT.access,
      message: `cannot reach AWS (${net ?? e.name}: ${first})`,
      fix: 'check the network / VPN / proxy (HTTPS_PROXY); locally, check `env up` is still running',
    };
  }
  // The SDK's words when an endpoint answers with an HTML page (an empty zone id builds such a URL): not an XML API.
  if (/XML|mismatched tag|Unexpected close tag|char '<'/i.test(e.message) && /html/i.test(e.message)) {
    return {
      code: EXIT.usage,
      message: `AWS answered with an HTML page instead of an API response (${first})`,
      fix: 'a value in the request is probably empty or malformed (is $ZONE_ID set?); check the flags and run again',
    };
  }
  const rest = e.message.split('\n').slice(1).join('\n');
  return { code: EXIT.failed, message: first || e.name, detail: rest || undefined };
}
