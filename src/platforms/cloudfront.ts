// cloudfront.ts: Amazon CloudFront in front of the origin.
//
// Sources:
// - CloudFront-Viewer-Address holds "the viewer's IP address and the source port": "Add CloudFront
//   request headers", Headers for determining the viewer's location,
//   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/adding-cloudfront-headers.html
//   (the origin request policy must include it); written `ip:port`, IPv6 unbracketed.
// - X-Forwarded-For, to which CloudFront appends the viewer's address: "Request and response
//   behavior for custom origins", X-Forwarded-For header,
//   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html
// - the addresses CloudFront connects from: CLOUDFRONT_ORIGIN_FACING in
//   https://ip-ranges.amazonaws.com/ip-ranges.json (the shipped snapshot, src/core/snapshots.ts).

import { cloudfront as snapshot } from '../core/snapshots.js'
import type { PlatformSpec } from './types.js'

/** Amazon CloudFront: its origin-facing ranges, the client from `CloudFront-Viewer-Address` without its port. */
export const cloudfront: PlatformSpec = {
  name: 'cloudfront',
  options: [],
  part: () => ({
    trusted: ['cloudfront'],
    ranges: { cloudfront: snapshot },
    header: { header: 'cloudfront-viewer-address', port: true },
    appends: true,
  }),
}
