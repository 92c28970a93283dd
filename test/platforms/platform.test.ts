// platform.test.ts: what platform(name, options) returns for each platform and chain, and its
// configuration errors, word for word.

import { describe, expect, it } from 'vitest'
import { cloudflare, cloudfront, fastly, googleLoadBalancers } from '../../src/core/snapshots.js'
import { SPELLINGS } from '../../src/core/env.js'
import { platform, PLATFORM_NAMES, type PlatformOptions } from '../../src/platforms/index.js'

const ID = 'a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1'

describe('platform', () => {
  const CASES: readonly { name: string; args: [string | readonly string[], PlatformOptions?]; expected: unknown }[] = [
    { name: 'cloudflare: its ranges, CF-Connecting-IP', args: ['cloudflare'], expected: { setting: ['cloudflare'], options: { source: { header: 'cf-connecting-ip' }, ranges: { cloudflare } } } },
    { name: 'cloudfront: its ranges, CloudFront-Viewer-Address with a port', args: ['cloudfront'], expected: { setting: ['cloudfront'], options: { source: { header: 'cloudfront-viewer-address', port: true }, ranges: { cloudfront } } } },
    { name: 'aws-alb: the VPC, X-Forwarded-For', args: ['aws-alb', { vpc: '10.0.0.0/16' }], expected: { setting: ['10.0.0.0/16'], options: {} } },
    { name: 'aws-alb: several VPC subnets', args: ['aws-alb', { vpc: ['10.0.0.0/16', '10.1.0.0/16'] }], expected: { setting: ['10.0.0.0/16', '10.1.0.0/16'], options: {} } },
    { name: 'google-cloud: the GFE ranges and the load balancer', args: ['google-cloud', { loadBalancer: '34.120.1.1' }], expected: { setting: ['google-lb', '34.120.1.1'], options: { ranges: { 'google-lb': googleLoadBalancers } } } },
    {
      name: 'azure-front-door: the backend ranges, X-Azure-SocketIP, the Front Door ID as the edge proof',
      args: ['azure-front-door', { backend: '147.243.0.0/16', frontDoorId: ID }],
      expected: { setting: ['147.243.0.0/16'], options: { source: { header: 'x-azure-socketip' }, edgeProof: { header: 'x-azure-fdid', values: [ID] } } },
    },
    { name: 'fastly: its ranges, Fastly-Client-IP', args: ['fastly', { clientIpFromVcl: true }], expected: { setting: ['fastly'], options: { source: { header: 'fastly-client-ip' }, ranges: { fastly } } } },
    { name: 'fly-io: the peer by position, Fly-Client-IP', args: ['fly-io'], expected: { setting: 1, options: { source: { header: 'fly-client-ip' } } } },
    { name: 'vercel: the peer by position, X-Forwarded-For', args: ['vercel'], expected: { setting: 1, options: {} } },
    { name: 'heroku: the peer by position, X-Forwarded-For', args: ['heroku'], expected: { setting: 1, options: {} } },
    { name: 'kubernetes-ingress-nginx: the pod network', args: ['kubernetes-ingress-nginx', { pods: '10.244.0.0/16' }], expected: { setting: ['10.244.0.0/16'], options: {} } },
    { name: 'same-host: loopback', args: ['same-host'], expected: { setting: ['loopback'], options: {} } },
    { name: 'a chain as a string: every range, from X-Forwarded-For', args: ['cloudfront,aws-alb', { vpc: '10.0.0.0/16' }], expected: { setting: ['cloudfront', '10.0.0.0/16'], options: { ranges: { cloudfront } } } },
    { name: 'a chain as an array, names in any case and spaced', args: [[' Cloudflare', 'SAME-HOST ']], expected: { setting: ['cloudflare', 'loopback'], options: { ranges: { cloudflare } } } },
    { name: 'a chain of platforms without ranges of their own: no ranges option', args: ['same-host,same-host'], expected: { setting: ['loopback'], options: {} } },
    {
      name: 'edgeProof passes through to the options',
      args: ['cloudflare', { edgeProof: { header: 'x-origin-verify', values: ['0123456789abcdef'] } }],
      expected: { setting: ['cloudflare'], options: { source: { header: 'cf-connecting-ip' }, ranges: { cloudflare }, edgeProof: { header: 'x-origin-verify', values: ['0123456789abcdef'] } } },
    },
  ]
  it.each(CASES.map((row) => [row.name, row] as const))('%s', (_name, { args, expected }) => {
    const result = platform(...args)
    expect(result).toEqual(expected)
    expect(Object.isFrozen(result) && Object.isFrozen(result.options)).toBe(true)
  })

  it('names every platform it offers, in the docs order', () => {
    expect(PLATFORM_NAMES).toEqual([
      'cloudflare', 'cloudfront', 'aws-alb', 'google-cloud', 'azure-front-door', 'fastly', 'fly-io', 'vercel', 'heroku',
      'kubernetes-ingress-nginx', 'same-host',
    ])
  })

  const ERRORS: readonly { name: string; args: unknown[]; message: string }[] = [
    { name: 'error: an unknown platform', args: ['cloudflair'], message: 'unknown platform: "cloudflair" (expected one of cloudflare, cloudfront, aws-alb, google-cloud, azure-front-door, fastly, fly-io, vercel, heroku, kubernetes-ingress-nginx, same-host)' },
    { name: 'error: akamai is not offered', args: ['akamai'], message: "platform akamai is not offered: Akamai's documentation of True-Client-IP (whether a client can set it) could not be confirmed; compile a setting with the ranges and source: { header } you have checked (docs/reference/platforms.md)" },
    { name: 'error: render is not offered', args: ['render'], message: "platform render is not offered: Render's documentation of the addresses and headers its proxy sends could not be confirmed; compile a setting with the ranges and source: { header } you have checked (docs/reference/platforms.md)" },
    { name: 'error: a name that is not a string', args: [42], message: 'invalid platform: 42 (expected a name such as \'cloudflare\')' },
    { name: 'error: an entry that is not a string', args: [['cloudflare', null]], message: 'invalid platform: null (expected a name such as \'cloudflare\')' },
    { name: 'error: an empty list', args: [[]], message: "invalid platform: [] (expected a name such as 'cloudflare', or names outermost first)" },
    { name: 'error: options that are not an object', args: ['cloudflare', 'vpc'], message: 'invalid platform options: "vpc" (expected an object)' },
    { name: 'error: null options', args: ['cloudflare', null], message: 'invalid platform options: null (expected an object)' },
    { name: 'error: an option the platform does not take', args: ['cloudflare', { vpc: '10.0.0.0/16' }], message: 'unknown platform option: vpc (cloudflare takes edgeProof)' },
    { name: 'error: aws-alb without its VPC', args: ['aws-alb'], message: "invalid platform option vpc: undefined (expected '10.0.0.0/16': the option platform('aws-alb') needs)" },
    { name: 'error: aws-alb with an empty VPC list', args: ['aws-alb', { vpc: [] }], message: "invalid platform option vpc: [] (expected '10.0.0.0/16': the option platform('aws-alb') needs)" },
    { name: 'error: aws-alb with a VPC that is not a string', args: ['aws-alb', { vpc: [10] }], message: "invalid platform option vpc: 10 (expected '10.0.0.0/16': the option platform('aws-alb') needs)" },
    { name: 'error: aws-alb with a bad CIDR', args: ['aws-alb', { vpc: '10.0.0.0/33' }], message: "invalid platform option vpc: \"10.0.0.0/33\" (expected an address or subnet such as '10.0.0.0/16': invalid range on address: 10.0.0.0/33)" },
    { name: 'error: aws-alb with a VPC in a shorthand ipaddr.js reads as another subnet (10/8 is 0.0.0.0/8)', args: ['aws-alb', { vpc: '10/8' }], message: `invalid platform option vpc: "10/8" (expected an address or subnet such as '10.0.0.0/16': ${SPELLINGS})` },
    { name: 'error: google-cloud with its load balancer as one 32-bit number', args: ['google-cloud', { loadBalancer: '3405803786' }], message: `invalid platform option loadBalancer: "3405803786" (expected an address or subnet such as '203.0.113.10' (the forwarding rule's address): ${SPELLINGS})` },
    { name: 'error: google-cloud without its load balancer', args: ['google-cloud'], message: "invalid platform option loadBalancer: undefined (expected '203.0.113.10' (the forwarding rule's address): the option platform('google-cloud') needs)" },
    { name: 'error: azure without its Front Door ID', args: ['azure-front-door', { backend: '147.243.0.0/16' }], message: "invalid platform option frontDoorId: undefined (expected your Front Door's ID, a GUID such as 'a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1')" },
    { name: 'error: azure with an ID that is not a GUID', args: ['azure-front-door', { backend: '147.243.0.0/16', frontDoorId: 'my-door' }], message: "invalid platform option frontDoorId: \"my-door\" (expected your Front Door's ID, a GUID such as 'a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1')" },
    { name: 'error: fastly without the VCL acknowledged', args: ['fastly'], message: 'invalid platform option clientIpFromVcl: undefined (expected true, once your VCL sets Fastly-Client-IP to client.ip (Fastly otherwise passes on the value a client sends))' },
    { name: 'error: a chain with a platform that publishes no addresses', args: ['cloudflare,heroku'], message: 'platform heroku cannot be part of a chain: it publishes no addresses, so only the socket peer can be trusted' },
    { name: 'error: a chain with a platform that does not append', args: ['fastly,same-host', { clientIpFromVcl: true }], message: 'platform fastly cannot be part of a chain: it does not append the address it received from to X-Forwarded-For' },
  ]
  it.each(ERRORS.map((row) => [row.name, row] as const))('%s', (_name, { args, message }) => {
    expect(() => (platform as (...a: unknown[]) => unknown)(...args)).toThrow(new TypeError(message))
  })
})
