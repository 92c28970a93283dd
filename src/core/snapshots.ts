// snapshots.ts: provider address lists as published on the day each was retrieved, each a value
// the `ranges` option takes. Every list was read from copies of the provider's official file (or
// page), two independent copies agreeing, and is checked against a fixture of that official format
// (test/fixtures/ranges/). Refresh them with `proxy-trust ranges fetch`.

import type { RangeSnapshot } from './ranges.js'

/** The snapshot and its lists, frozen: the values are shared by every importer. */
function frozen(snapshot: RangeSnapshot): RangeSnapshot {
  Object.freeze(snapshot.v4)
  Object.freeze(snapshot.v6)
  return Object.freeze(snapshot)
}

/**
 * Cloudflare's edge addresses: what an origin behind Cloudflare sees connecting.
 * Official lists: https://www.cloudflare.com/ips-v4 and https://www.cloudflare.com/ips-v6.
 * Taken from the copies at github.com/lord-alfred/ipranges (cloudflare/ipv4.txt, ipv6.txt) as of
 * its update of 2026-08-22 (commit 14dd971), which fetches the official files every four hours;
 * identical to the copy at github.com/femueller/cloud-ip-ranges (2025-07-24) and
 * github.com/disposable/cloud-ip-ranges (2025-05-06).
 *
 * @example
 * compileTrust('loopback, cloudflare', { ranges: { cloudflare } })
 */
export const cloudflare: RangeSnapshot = frozen({
  name: 'cloudflare',
  source: 'https://www.cloudflare.com/ips-v4 https://www.cloudflare.com/ips-v6',
  retrieved: '2026-08-22',
  v4: [
    '103.21.244.0/22',
    '103.22.200.0/22',
    '103.31.4.0/22',
    '104.16.0.0/13',
    '104.24.0.0/14',
    '108.162.192.0/18',
    '131.0.72.0/22',
    '141.101.64.0/18',
    '162.158.0.0/15',
    '172.64.0.0/13',
    '173.245.48.0/20',
    '188.114.96.0/20',
    '190.93.240.0/20',
    '197.234.240.0/22',
    '198.41.128.0/17',
  ],
  v6: [
    '2a06:98c0::/29',
    '2c0f:f248::/32',
    '2400:cb00::/32',
    '2405:8100::/32',
    '2405:b500::/32',
    '2606:4700::/32',
    '2803:f800::/32',
  ],
})

/**
 * Fastly's public IP list: every address Fastly connects to origins from.
 * Official list: https://api.fastly.com/public-ip-list (JSON).
 * Taken from the copy at github.com/femueller/cloud-ip-ranges (fastly-ip-ranges.json, commit
 * 60937f4, 2025-07-24); the same subnets as github.com/disposable/cloud-ip-ranges (2025-05-06) and
 * github.com/SM443/IP-Prefix-List (2025-01-04). No newer copy could be cross-checked: the
 * snapshot is older than the 180 days after which explain warns, so fetch a fresh list.
 *
 * @example
 * compileTrust('loopback, fastly', { ranges: { fastly } })
 */
export const fastly: RangeSnapshot = frozen({
  name: 'fastly',
  source: 'https://api.fastly.com/public-ip-list',
  retrieved: '2025-07-24',
  v4: [
    '23.235.32.0/20',
    '43.249.72.0/22',
    '103.244.50.0/24',
    '103.245.222.0/23',
    '103.245.224.0/24',
    '104.156.80.0/20',
    '140.248.64.0/18',
    '140.248.128.0/17',
    '146.75.0.0/17',
    '151.101.0.0/16',
    '157.52.64.0/18',
    '167.82.0.0/17',
    '167.82.128.0/20',
    '167.82.160.0/20',
    '167.82.224.0/20',
    '172.111.64.0/18',
    '185.31.16.0/22',
    '199.27.72.0/21',
    '199.232.0.0/16',
  ],
  v6: [
    '2a04:4e40::/32',
    '2a04:4e42::/32',
  ],
})

/**
 * Amazon CloudFront's origin-facing addresses: IPv4 prefixes of service CLOUDFRONT_ORIGIN_FACING
 * and IPv6 prefixes of service CLOUDFRONT or CLOUDFRONT_ORIGIN_FACING in AWS's ip-ranges.json.
 * Official file: https://ip-ranges.amazonaws.com/ip-ranges.json (format:
 * https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html).
 * Taken from the copy at github.com/seligman/aws-ip-ranges (ip-ranges.json, createDate
 * 2026-08-22-15-17-05, commit 7a942b5); every prefix is also in github.com/lord-alfred/ipranges'
 * amazon lists of the same day, and both repositories hold byte-identical copies of the
 * 2025-07-24 file.
 *
 * @example
 * compileTrust('loopback, cloudfront, 10.0.0.0/8', { ranges: { cloudfront } })
 */
export const cloudfront: RangeSnapshot = frozen({
  name: 'cloudfront',
  source: 'https://ip-ranges.amazonaws.com/ip-ranges.json',
  retrieved: '2026-08-22',
  v4: [
    '130.176.88.0/21',
    '54.239.134.0/23',
    '52.82.134.0/23',
    '130.176.86.0/23',
    '130.176.140.0/22',
    '130.176.0.0/18',
    '54.239.204.0/22',
    '130.176.160.0/19',
    '70.132.0.0/18',
    '15.158.0.0/16',
    '130.176.136.0/23',
    '54.239.170.0/23',
    '130.176.96.0/19',
    '54.182.184.0/22',
    '204.246.166.0/24',
    '130.176.64.0/21',
    '54.182.172.0/22',
    '205.251.218.0/24',
    '130.176.144.0/20',
    '54.182.176.0/21',
    '130.176.78.0/23',
    '54.182.248.0/22',
    '64.252.128.0/18',
    '54.182.154.0/23',
    '64.252.64.0/18',
    '54.182.144.0/21',
    '54.182.224.0/21',
    '130.176.128.0/21',
    '52.46.0.0/18',
    '3.172.64.0/18',
    '52.82.128.0/23',
    '18.68.0.0/16',
    '54.182.156.0/22',
    '54.182.160.0/21',
    '54.182.240.0/21',
    '130.176.192.0/19',
    '130.176.76.0/24',
    '54.239.208.0/21',
    '54.182.188.0/23',
    '24.110.128.0/17',
    '3.172.0.0/18',
    '130.176.80.0/22',
    '54.182.128.0/20',
    '130.176.72.0/22',
    '13.124.199.0/24',
    '3.29.57.0/26',
  ],
  v6: [
    '2600:9000:3000::/36',
    '2600:9000:f600::/39',
    '2600:9000:f540::/42',
    '2409:8c00:2421:300::/56',
    '2600:9000:f000::/38',
    '2600:9000:f500::/43',
    '2600:9000:ddd::/48',
    '2600:9000:f800::/37',
    '2600:9000:f400::/40',
    '2600:9000:f538::/45',
    '2600:9000:5380::/41',
    '2600:f0f0:5504::/46',
    '2600:9000:1000::/36',
    '2600:9000:2000::/36',
    '2400:7fc0:500::/40',
    '2001:3fc6:20::/43',
    '2600:9000:4000::/36',
    '2600:9000:fff::/48',
    '2409:8c00:2421:400::/56',
    '2404:c2c0:500::/40',
    '2600:9000:5308::/45',
    '2600:9000:f534::/46',
    '2600:f0f0:601::/48',
    '2600:9000:6000::/36',
    '2600:9000:f520::/44',
    '2600:9000:5320::/43',
    '2600:9000:5310::/44',
    '2600:9000:f580::/41',
    '2600:f0f0:602::/47',
    '2600:9000:5340::/42',
    '2600:9000:eee::/48',
    '2600:9000:5200::/40',
  ],
})

/**
 * Google Cloud's load balancer ranges: the health check ranges and the Google Front End proxy
 * ranges of the global external Application Load Balancer (for instance group and zonal NEG
 * backends), as documented at https://cloud.google.com/load-balancing/docs/firewall-rules (page
 * last updated 2025-09-04 in the copy read). The same four subnets appear in Google's setup guides
 * (gcloud firewall-rules examples) and in independent configurations that allow GFE traffic.
 *
 * @example
 * compileTrust('google-lb', { ranges: { 'google-lb': googleLoadBalancers } })
 */
export const googleLoadBalancers: RangeSnapshot = frozen({
  name: 'google-lb',
  source: 'https://docs.cloud.google.com/load-balancing/docs/firewall-rules.md.txt',
  retrieved: '2025-09-04',
  v4: [
    '35.191.0.0/16',
    '130.211.0.0/22',
  ],
  v6: [
    '2600:2d00:1:b029::/64',
    '2600:2d00:1:1::/64',
  ],
})
