// rate-limit-key.mjs: a rate limiter keyed by `clientKey`, for a key of your own (a store shared
// with other services, IPv4 grouped too, proxy-addr's odd IPv4 spellings read as the address). A
// custom keyGenerator turns off express-rate-limit's trust proxy checks, which live in its default
// key generator: check the setting with the adapter's warnings (`warn`, on by default) instead.

import { rateLimit } from 'express-rate-limit'
import { clientKey } from 'proxy-trust'

export function rateLimiter(options = {}) {
  return rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: 100,
    keyGenerator: (req) => clientKey(req.ip, { ipv6Prefix: 56, ipv4Prefix: 32 }),
    // this check looks for the text "ipKeyGenerator" in a keyGenerator that reads the ip; clientKey
    // does that grouping itself
    validate: { keyGeneratorIpFallback: false },
    ...options,
  })
}
