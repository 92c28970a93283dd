// google-cloud.ts: Google Cloud's external Application Load Balancer.
//
// Sources:
// - X-Forwarded-For: the load balancer appends two addresses, `<client-ip>,<load-balancer-ip>`
//   (the client it received from, then the forwarding rule's own address): "External Application
//   Load Balancer overview", X-Forwarded-For header, https://cloud.google.com/load-balancing/docs/https#x-forwarded-for_header
// - the addresses its Google Front Ends connect from (35.191.0.0/16, 130.211.0.0/22): "Firewall
//   rules", https://cloud.google.com/load-balancing/docs/firewall-rules (the shipped snapshot,
//   src/core/snapshots.ts).

import { googleLoadBalancers } from '../core/snapshots.js'
import { subnetsOption, type PlatformSpec } from './types.js'

/** Google Cloud's external Application Load Balancer: the GFE ranges, then the load balancer's own address (`loadBalancer`). */
export const googleCloud: PlatformSpec = {
  name: 'google-cloud',
  options: ['loadBalancer'],
  part: (options) => ({
    trusted: ['google-lb', ...subnetsOption('google-cloud', 'loadBalancer', options.loadBalancer, "'203.0.113.10' (the forwarding rule's address)")],
    ranges: { 'google-lb': googleLoadBalancers },
    appends: true,
  }),
}
