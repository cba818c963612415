import { Certificate, CertificateValidation } from 'aws-cdk-lib/aws-certificatemanager';
import type { IHostedZone } from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';

/**
 * The Region's TLS certificate for every load balancer in it: `*.<zone>` (the tenants' names, which the routing
 * records alias to this Region when it is active) and `*.<region>.<zone>` (the regional endpoint records the probes and
 * runbooks call). ACM validates it with DNS records in the hosted zone and renews it while they stay there.
 */
export function regionCertificate(
  scope: Construct,
  id: string,
  props: { readonly zone: IHostedZone; readonly zoneName: string; readonly region: string },
): Certificate {
  return new Certificate(scope, id, {
    domainName: `*.${props.zoneName}`,
    subjectAlternativeNames: [`*.${props.region}.${props.zoneName}`],
    validation: CertificateValidation.fromDns(props.zone),
  });
}
