// aws-alb.ts: an AWS Application Load Balancer in your VPC.
//
// Source: "HTTP headers and Application Load Balancers", X-Forwarded-For, Append (the default
// `routing.http.xff_header_processing.mode`): the load balancer appends the address of the client
// that connected to it, https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html
// The load balancer's nodes connect to targets from addresses of the subnets it sits in, so the
// VPC's CIDR is what to trust; AWS publishes no separate list of them.

import { subnetsOption, type PlatformSpec } from './types.js'

/** An AWS Application Load Balancer: the VPC's addresses (`vpc`), the client appended to X-Forwarded-For. */
export const awsAlb: PlatformSpec = {
  name: 'aws-alb',
  options: ['vpc'],
  part: (options) => ({
    trusted: subnetsOption('aws-alb', 'vpc', options.vpc, "'10.0.0.0/16'"),
    appends: true,
  }),
}
