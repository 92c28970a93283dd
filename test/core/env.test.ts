// env.test.ts: settingFromEnv, every kind of value an environment variable holds, and its errors
// word for word.

import { describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import { settingFromEnv, SPELLINGS } from '../../src/core/env.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { cloudflare, googleLoadBalancers } from '../../src/core/snapshots.js'

const EXPECTED = 'expected true, false, a hop count such as 1, or addresses, subnets and range names, comma-separated or as a JSON array'
const NAMES = 'loopback, linklocal, uniquelocal, cloudflare, fastly, cloudfront, google-lb'

describe('settingFromEnv', () => {
  const CASES: readonly [string, string | undefined, unknown][] = [
    ['unset: trust nothing', undefined, false],
    ['empty: trust nothing', '', false],
    ['blank: trust nothing', '  \t', false],
    ['"1" is a hop count, not the address 0.0.0.1', '1', 1],
    ['"2" is a hop count', '2', 2],
    ['"0" is a count of none', '0', 0],
    ['a count with spaces around it', ' 3 ', 3],
    ['"true"', 'true', true],
    ['"TRUE" in capitals', 'TRUE', true],
    ['"false"', 'false', false],
    ['"False"', 'False', false],
    ['one address', '10.0.0.1', '10.0.0.1'],
    ['one range name', 'loopback', 'loopback'],
    ['a CSV list', 'loopback, 10.0.0.0/8,fd00::/8', ['loopback', '10.0.0.0/8', 'fd00::/8']],
    ['a netmask subnet', '10.0.0.0/255.0.0.0', '10.0.0.0/255.0.0.0'],
    ['a JSON array', '["loopback", "10.0.0.0/8"]', ['loopback', '10.0.0.0/8']],
    ['a JSON array of one', '["uniquelocal"]', 'uniquelocal'],
    ['an empty JSON array: trust nothing', '[]', false],
    ['a provider name: its subnets', 'google-lb', [...googleLoadBalancers.v4, ...googleLoadBalancers.v6]],
    ['a provider name beside others', 'loopback, cloudflare', ['loopback', ...cloudflare.v4, ...cloudflare.v6]],
  ]
  it.each(CASES)('%s', (_name, value, expected) => {
    expect(settingFromEnv(value)).toEqual(expected)
  })

  it('keeps the names of the ranges given, and they win over a provider of the same name', () => {
    const ranges = { office: ['203.0.113.0/24'], cloudflare: ['198.51.100.0/24'] }
    expect(settingFromEnv('loopback, office, cloudflare', 'TRUST_PROXY', { ranges })).toEqual(['loopback', 'office', 'cloudflare'])
  })

  it('gives what Express was meant to get: "1" trusts one hop, a provider name compiles without options', () => {
    const req = { socket: { remoteAddress: '10.0.0.1' }, headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.5' } }
    expect(resolveAddr(req, compileTrust(settingFromEnv('1'))).ip).toBe('203.0.113.5')
    const edge = { socket: { remoteAddress: '173.245.48.1' }, headers: { 'x-forwarded-for': '203.0.113.5' } }
    expect(resolveAddr(edge, compileTrust(settingFromEnv('cloudflare'))).ip).toBe('203.0.113.5')
  })

  const ERRORS: readonly [string, unknown, string | undefined, string][] = [
    ['error: "yes"', 'yes', undefined, `invalid TRUST_PROXY: "yes" (${EXPECTED}: "yes" is not an address, a subnet or a range name (${NAMES}))`],
    ['error: "1.2.3", neither a count nor an address', '1.2.3', undefined, `invalid TRUST_PROXY: "1.2.3" (${EXPECTED}: "1.2.3" is not an address, a subnet or a range name (${NAMES}))`],
    ['error: "NaN"', 'NaN', undefined, `invalid TRUST_PROXY: "NaN" (${EXPECTED}: "NaN" is not an address, a subnet or a range name (${NAMES}))`],
    ['error: a negative count', '-1', undefined, `invalid TRUST_PROXY: "-1" (${EXPECTED}: "-1" is not an address, a subnet or a range name (${NAMES}))`],
    ['error: a count with a leading zero', '01', undefined, `invalid TRUST_PROXY: "01" (${EXPECTED}: a hop count is written without leading zeros and is below 1000000000)`],
    ['error: digits ipaddr.js would read as an address', '2130706433', undefined, `invalid TRUST_PROXY: "2130706433" (${EXPECTED}: a hop count is written without leading zeros and is below 1000000000)`],
    ['error: a count in a list, which ipaddr.js would read as 0.0.0.1', '1, loopback', undefined, `invalid TRUST_PROXY: "1, loopback" (${EXPECTED}: "1" is not an address written in full: ${SPELLINGS})`],
    ['error: a count in a JSON array', '["1"]', undefined, `invalid TRUST_PROXY: "[\\"1\\"]" (${EXPECTED}: "1" is not an address written in full: ${SPELLINGS})`],
    ['error: an address as one 32-bit number in a list', '2130706433, 10.0.0.0/8', undefined, `invalid TRUST_PROXY: "2130706433, 10.0.0.0/8" (${EXPECTED}: "2130706433" is not an address written in full: ${SPELLINGS})`],
    ['error: a shorthand subnet, which ipaddr.js reads as 0.0.0.0/8', '10/8', undefined, `invalid TRUST_PROXY: "10/8" (${EXPECTED}: "10/8" is not an address written in full: ${SPELLINGS})`],
    ['error: an octal spelling', '0177.0.0.1', undefined, `invalid TRUST_PROXY: "0177.0.0.1" (${EXPECTED}: "0177.0.0.1" is not an address written in full: ${SPELLINGS})`],
    ['error: the variable named', 'maybe', 'APP_TRUST', `invalid APP_TRUST: "maybe" (${EXPECTED}: "maybe" is not an address, a subnet or a range name (${NAMES}))`],
    ['error: an empty entry', 'loopback,,10.0.0.1', undefined, `invalid TRUST_PROXY: "loopback,,10.0.0.1" (${EXPECTED}: an empty entry)`],
    ['error: a bad subnet', '10.0.0.0/33', undefined, `invalid TRUST_PROXY: "10.0.0.0/33" (${EXPECTED}: "10.0.0.0/33" is not an address, a subnet or a range name (${NAMES}))`],
    ['error: an extended name, which Express does not know', 'private', undefined, `invalid TRUST_PROXY: "private" (${EXPECTED}: "private" is not an address, a subnet or a range name (${NAMES}))`],
    ['error: broken JSON', '["loopback"', undefined, `invalid TRUST_PROXY: "[\\"loopback\\"" (${EXPECTED}: not valid JSON)`],
    ['error: JSON with a number', '[1]', undefined, `invalid TRUST_PROXY: "[1]" (${EXPECTED}: a JSON array must hold only strings)`],
    ['error: a value that is not a string', 1, undefined, `invalid TRUST_PROXY: 1 (${EXPECTED}: not a string)`],
    ['error: control characters are escaped in the message', 'a\u001b[2Jb', undefined, `invalid TRUST_PROXY: "a\\u001b[2Jb" (${EXPECTED}: "a\\u001b[2Jb" is not an address, a subnet or a range name (${NAMES}))`],
  ]
  it.each(ERRORS)('%s', (_name, value, name, message) => {
    expect(() => settingFromEnv(value as string, name)).toThrow(new TypeError(message))
  })

  it('error: names the ranges given among those it accepts', () => {
    expect(() => settingFromEnv('ofice', 'TRUST_PROXY', { ranges: { office: ['203.0.113.0/24'] } }))
      .toThrow(new TypeError(`invalid TRUST_PROXY: "ofice" (${EXPECTED}: "ofice" is not an address, a subnet or a range name (${NAMES}, office))`))
  })
})

describe('settingFromEnv (property)', () => {
  it('for any text, returns a setting compileTrust accepts, or throws a TypeError naming the variable', async () => {
    const fc = (await import('fast-check')).default
    const text = fc.oneof(
      fc.string(),
      fc.array(fc.constantFrom('loopback', '10.0.0.0/8', 'cloudflare', '::1', 'nope', '1', ' ', '', '2001:db8::/32', '1.2.3'), { maxLength: 5 }).map((parts) => parts.join(',')),
      fc.array(fc.string(), { maxLength: 3 }).map((parts) => JSON.stringify(parts)),
    )
    fc.assert(fc.property(text, (value) => {
      let setting
      try {
        setting = settingFromEnv(value, 'MY_VAR')
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError)
        expect((error as Error).message.startsWith('invalid MY_VAR: ')).toBe(true)
        return
      }
      expect(typeof compileTrust(setting)).toBe('function')
    }), { numRuns: 2000, seed: 0xe4f })
  })
})
