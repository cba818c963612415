import type { ServiceFault } from '../../infra/tenant-service/fault';

/**
 * The tenant service's fault switch (`PUT /admin/fault`, `x-admin-token`), reached over HTTP(S): locally on loopback,
 * in AWS through each Region's load balancer. Admin routes are never faulted, so a drill can always lift a fault —
 * also `drill rollback` after the drill process died.
 */
export async function setServiceFault(
  serviceUrl: string,
  adminToken: string,
  fault: ServiceFault,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const url = new URL('/admin/fault', serviceUrl);
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-admin-token': adminToken },
      body: JSON.stringify(fault),
      signal: AbortSignal.timeout(5000),
    });
  } catch (err) {
    throw new Error(`the fault switch at ${url} did not answer (${String(err)}): is the tenant service running?`);
  }
  if (!res.ok) {
    throw new Error(
      `the fault switch at ${url} refused ${JSON.stringify(fault)}: HTTP ${res.status} ${await res.text()}` +
        (res.status === 401 ? ' (check the admin token)' : ''),
    );
  }
}

export async function getServiceFault(
  serviceUrl: string,
  adminToken: string,
  fetchImpl: typeof fetch = fetch,
): Promise<ServiceFault> {
  const url = new URL('/admin/fault', serviceUrl);
  const res = await fetchImpl(url, { headers: { 'x-admin-token': adminToken }, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`the fault switch at ${url} answered HTTP ${res.status}`);
  return ((await res.json()) as { fault: ServiceFault }).fault;
}
