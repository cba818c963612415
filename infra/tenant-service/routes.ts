/**
 * The tenant service's public routes, shared by the service, the load balancer rules (infra/constructs) and the probes
 * that read `x-served-by-region` (runbooks/served-by-probe.ts, the drills): one list, so a probe cannot ask for a path
 * the deployed listeners do not route. `/admin/fault` is deliberately absent: it is for the local environment only.
 */
export const HEALTH_PATH = '/health';
