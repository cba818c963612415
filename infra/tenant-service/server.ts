import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JWTVerifyGetKey } from 'jose';
import { COLLECTIONS, type EntityKind, entitySchemas, idSchema } from './data-model';
import type { ServiceFault } from './fault';
import { NO_FAULT, parseServiceFault } from './fault';
import type { JsonLogger } from './logger';
import { BadNextTokenError, ItemExistsError, TenantAccessDeniedError, type TenantStore } from './tenant-store';
import { type TenantClaims, TokenError, type TokenPolicy, verifyTenantToken } from './token';

/**
 * The tenant service: Order, Product and User REST APIs over one DynamoDB table, the same code in ECS and in the local
 * two-Region environment.
 *
 *   GET  /health                    200 while serving; 503 under an outage fault (load balancer health check)
 *   GET  /<collection>              list the caller's items (?limit=1..100&next=<token>)
 *   POST /<collection>              create (409 if the body's id exists)
 *   GET  /<collection>/<id>         read one
 *   PUT  /<collection>/<id>         create or replace
 *   GET|PUT /admin/fault            read / set the fault switch (x-admin-token header)
 *
 * collections: orders, products, users. Tenant routes need `Authorization: Bearer <ID token>` (token.ts); writes may
 * carry a sequence number (`x-write-seq` header or `writeSeq` field), stored on the item so drills can compute RPO.
 * Every response carries `x-served-by-region`.
 */

export interface TenantServiceOptions {
  readonly region: string;
  readonly store: TenantStore;
  /** The identity provider's signing keys (its JWKS) and what its tokens must say. */
  readonly tokenKeys: JWTVerifyGetKey;
  readonly tokenPolicy: TokenPolicy;
  /** The fault switch's secret; undefined turns the switch off (on AWS: FIS injects the faults). */
  readonly adminToken?: string;
  readonly fault?: ServiceFault;
  readonly logger: JsonLogger;
  /** For the error-rate fault; injectable so tests are deterministic. */
  readonly random?: () => number;
}

export interface TenantService {
  readonly server: Server;
  fault(): ServiceFault;
  setFault(fault: ServiceFault): void;
}

const MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_PAGE = 50;
const MAX_PAGE = 100;

/** An error with the HTTP status and a message for the caller. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body-too-large', `body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'bad-body', 'body is empty: send a JSON object');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad-body', 'body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** `x-write-seq` header and `writeSeq` field: either, or both if equal. */
function writeSeqOf(req: IncomingMessage, body: Record<string, unknown>): number | undefined {
  const header = req.headers['x-write-seq'];
  const fromBody = body.writeSeq as number | undefined;
  if (header === undefined) return fromBody;
  const value = Number(header);
  if (typeof header !== 'string' || !Number.isSafeInteger(value) || value < 0) {
    throw new HttpError(400, 'bad-write-seq', `x-write-seq ${JSON.stringify(header)} must be a non-negative integer`);
  }
  if (fromBody !== undefined && fromBody !== value) {
    throw new HttpError(400, 'bad-write-seq', `x-write-seq ${value} and body writeSeq ${fromBody} differ: send one`);
  }
  return value;
}

function parseEntity(kind: EntityKind, body: unknown): Record<string, unknown> {
  const result = entitySchemas[kind].safeParse(body);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((i) =>
      i.code === 'unrecognized_keys'
        ? `unknown field(s) ${i.keys.join(', ')}`
        : `${i.path.join('.') || '(body)'}: ${i.message}`,
    )
    .join('; ');
  throw new HttpError(400, 'bad-body', `not a valid ${kind}: ${detail}`);
}

/** A path segment the routes know: letters, digits, `_` and `-` (ids share this alphabet, data-model.ts). */
const PLAIN_SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * The path's segments exactly as received. `new URL()` would resolve `/orders/../admin/fault` and
 * `/orders/%2e%2e/admin/fault` into `/admin/fault`, so routing never sees a resolved path: a path that is not
 * origin-form, or has an empty, dot, percent-encoded or otherwise unusual segment, matches no route.
 */
function segmentsAsReceived(target: string): { path: string; parts: string[] } {
  const path = target.split('?', 1)[0] ?? '';
  const parts = path.startsWith('/') ? path.slice(1).split('/') : [];
  if (!parts.every((p) => PLAIN_SEGMENT.test(p))) {
    throw new HttpError(
      404,
      'not-found',
      `no route ${JSON.stringify(path.slice(0, 200))}: paths are matched as sent; use plain segments such as /orders/<id> ` +
        '(no "." or ".." segments, percent-encoding, empty segments or absolute URLs)',
    );
  }
  return { path, parts };
}

export function createTenantService(opts: TenantServiceOptions): TenantService {
  let fault: ServiceFault = opts.fault ?? NO_FAULT;
  const random = opts.random ?? Math.random;
  const adminDigest = opts.adminToken === undefined ? undefined : digest(opts.adminToken);

  const authenticate = async (req: IncomingMessage): Promise<TenantClaims> => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      throw new HttpError(401, 'unauthorized', 'send "Authorization: Bearer <tenant token>"', {
        'www-authenticate': 'Bearer',
      });
    }
    try {
      return await verifyTenantToken(opts.tokenKeys, opts.tokenPolicy, match[1]!);
    } catch (err) {
      if (err instanceof TokenError) {
        throw new HttpError(401, 'unauthorized', err.message, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
      throw err;
    }
  };

  const authorizeAdmin = (req: IncomingMessage): void => {
    // Off: the route does not exist, as for any unknown path.
    if (!adminDigest)
      throw new HttpError(404, 'not-found', 'no route /admin/fault: the fault switch is off (ADMIN_TOKEN unset)');
    const given = req.headers['x-admin-token'];
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), adminDigest)) {
      throw new HttpError(401, 'unauthorized', 'admin routes need the "x-admin-token" header');
    }
  };

  /** Applies the fault to a tenant-facing request; resolves when the request may proceed. */
  const applyFault = async (isHealthCheck: boolean): Promise<void> => {
    const current = fault;
    switch (current.kind) {
      case 'none':
        return;
      case 'outage':
        throw new HttpError(503, 'injected-outage', 'this Region is unavailable (injected outage)');
      case 'latency':
        await new Promise((r) => setTimeout(r, current.ms));
        return;
      case 'error-rate':
        // A brown-out: the health check still passes, tenants see errors.
        if (!isHealthCheck && random() * 100 < current.percent) {
          throw new HttpError(500, 'injected-error', 'internal error (injected error-rate fault)');
        }
        return;
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse, ctx: { tenantId?: string }): Promise<void> => {
    const { path, parts } = segmentsAsReceived(req.url ?? '');
    const query = new URLSearchParams((req.url ?? '').slice(path.length + 1));
    const method = req.method ?? 'GET';

    if (parts[0] === 'admin' && parts[1] === 'fault' && parts.length === 2) {
      authorizeAdmin(req);
      if (method === 'GET') return send(res, 200, { fault });
      if (method === 'PUT') {
        let next: ServiceFault;
        try {
          next = parseServiceFault(await readJson(req), 'fault');
        } catch (err) {
          if (err instanceof HttpError) throw err;
          throw new HttpError(400, 'bad-fault', (err as Error).message);
        }
        opts.logger.info('fault-set', { previous: fault, fault: next });
        fault = next;
        return send(res, 200, { fault });
      }
      throw new HttpError(405, 'method-not-allowed', `${method} is not allowed here`, { allow: 'GET, PUT' });
    }

    if (parts.length === 1 && parts[0] === 'health') {
      if (method !== 'GET') throw new HttpError(405, 'method-not-allowed', 'use GET /health', { allow: 'GET' });
      await applyFault(true);
      return send(res, 200, { status: 'ok', region: opts.region });
    }

    const kind = parts[0] ? COLLECTIONS[parts[0]] : undefined;
    if (!kind || parts.length > 2) {
      throw new HttpError(404, 'not-found', `no route ${path}: use /orders, /products, /users or /health`);
    }
    const claims = await authenticate(req);
    ctx.tenantId = claims.tenantId;
    await applyFault(false);

    if (parts.length === 1) {
      if (method === 'GET') {
        const limitText = query.get('limit');
        const limit = limitText === null ? DEFAULT_PAGE : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
          throw new HttpError(400, 'bad-limit', `limit ${JSON.stringify(limitText)} must be an integer 1-${MAX_PAGE}`);
        }
        const page = await opts.store.list(claims.tenantId, kind, limit, query.get('next') ?? undefined);
        return send(res, 200, page);
      }
      if (method === 'POST') {
        const fields = parseEntity(kind, await readJson(req));
        const writeSeq = writeSeqOf(req, fields);
        const id = (fields.id as string | undefined) ?? randomUUID();
        const item = await opts.store.write(claims.tenantId, kind, id, { ...fields, writeSeq }, 'create');
        return send(res, 201, item, { location: `/${parts[0]}/${id}` });
      }
      throw new HttpError(405, 'method-not-allowed', `${method} is not allowed here`, { allow: 'GET, POST' });
    }

    const id = idSchema.safeParse(parts[1]);
    if (!id.success)
      throw new HttpError(400, 'bad-id', `id ${JSON.stringify(parts[1])} ${id.error.issues[0]?.message}`);
    if (method === 'GET') {
      const item = await opts.store.get(claims.tenantId, kind, id.data);
      if (!item) throw new HttpError(404, 'not-found', `${kind} "${id.data}" not found`);
      return send(res, 200, item);
    }
    if (method === 'PUT') {
      const fields = parseEntity(kind, await readJson(req));
      if (fields.id !== undefined && fields.id !== id.data) {
        throw new HttpError(400, 'bad-id', `body id "${fields.id}" differs from the path id "${id.data}"`);
      }
      const writeSeq = writeSeqOf(req, fields);
      const item = await opts.store.write(claims.tenantId, kind, id.data, { ...fields, writeSeq }, 'put');
      return send(res, 200, item);
    }
    throw new HttpError(405, 'method-not-allowed', `${method} is not allowed here`, { allow: 'GET, PUT' });
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
    const ctx: { tenantId?: string } = {};
    res.setHeader('x-served-by-region', opts.region);
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      opts.logger.info('request', {
        requestId,
        method: req.method,
        path: req.url?.split('?')[0],
        status: res.statusCode,
        durationMs: Math.round(performance.now() - started),
        tenantId: ctx.tenantId,
      });
    });
    route(req, res, ctx).catch((err: unknown) => {
      if (err instanceof HttpError) {
        send(res, err.status, { error: err.code, message: err.message }, err.headers);
      } else if (err instanceof ItemExistsError) {
        send(res, 409, { error: 'exists', message: err.message });
      } else if (err instanceof BadNextTokenError) {
        send(res, 400, { error: 'bad-next', message: err.message });
      } else if (err instanceof TenantAccessDeniedError) {
        // Logged with IAM's own words for the operator; the caller gets only what it can act on.
        opts.logger.info('tenant-access-denied', { requestId, tenantId: err.tenantId, reason: err.awsMessage });
        send(res, 403, { error: 'forbidden', message: err.message, requestId });
      } else {
        opts.logger.error('unhandled', { requestId, error: String(err) });
        if (!res.headersSent) send(res, 500, { error: 'internal', message: 'internal error', requestId });
        else res.end();
      }
    });
  });

  return {
    server,
    fault: () => fault,
    setFault(next) {
      fault = next;
    },
  };
}
