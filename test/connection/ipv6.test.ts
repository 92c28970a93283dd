import { isIPv6, SocketAddress } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatIpv6, parseIpv6 } from '../../src/connection/ipv6.js'

/** Node's own form of an address (uv_inet_ntop through SocketAddress), the oracle. */
const nodeForm = (text: string): string => new SocketAddress({ address: text, family: 'ipv6' }).address
const groupsText = (groups: readonly number[]): string => groups.map((g) => g.toString(16)).join(':')

function parsed(text: string): string | undefined {
  const out = new Uint16Array(8)
  return parseIpv6(text, out) ? formatIpv6(out) : undefined
}

describe('formatIpv6', () => {
  // groups biased towards zeros, so that runs of every length and position are common
  const group = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0xffff), fc.constant(1), fc.integer({ min: 0, max: 0xffff }))
  it('writes any eight groups exactly as Node writes a peer address', () => {
    fc.assert(fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
      expect(formatIpv6(Uint16Array.from(groups))).toBe(nodeForm(groupsText(groups)))
    }), { numRuns: 20000 })
  })

  const cases: readonly [string, number[], string][] = [
    ['all zeros', [0, 0, 0, 0, 0, 0, 0, 0], '::'],
    ['loopback', [0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    ['IPv4-mapped', [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201], '::ffff:192.0.2.1'],
    ['IPv4-compatible', [0, 0, 0, 0, 0, 0, 0xc000, 0x0201], '::192.0.2.1'],
    ['::2 in hexadecimal: seven zero groups are one run, with no group 6 to write as a quad', [0, 0, 0, 0, 0, 0, 0, 2], '::2'],
    ['the first of two equal runs', [1, 0, 0, 2, 0, 0, 3, 4], '1::2:0:0:3:4'],
    ['a single zero group is not compressed', [1, 0, 2, 3, 4, 5, 6, 7], '1:0:2:3:4:5:6:7'],
    ['a trailing run', [1, 2, 0, 0, 0, 0, 0, 0], '1:2::'],
  ]
  it.each(cases)('%s', (_name, groups, text) => {
    expect(formatIpv6(Uint16Array.from(groups))).toBe(text)
  })
})

describe('parseIpv6', () => {
  it('reads every form fast-check writes, to the address Node reads', () => {
    fc.assert(fc.property(fc.ipV6(), (text) => {
      expect(parsed(text)).toBe(nodeForm(text))
    }), { numRuns: 20000 })
  })

  it('refuses what Node refuses, on text made of the characters of an address', () => {
    const text = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.'), maxLength: 45 })
    fc.assert(fc.property(text, (candidate) => {
      const ours = parsed(candidate)
      if (!isIPv6(candidate)) expect(ours).toBeUndefined()
      // Node's isIPv6 takes leading zeroes in a dotted tail; RFC 4291's text form and section 2.1 of
      // the PROXY protocol do not
      else if (!/(^|[:.])0\d/.test(candidate.slice(candidate.lastIndexOf(':') + 1))) expect(ours).toBe(nodeForm(candidate))
    }), { numRuns: 20000 })
  })

  const refused: readonly [string, string][] = [
    ['empty', ''],
    ['one colon', ':'],
    ['a leading single colon', ':1::'],
    ['a trailing single colon', '1::2:'],
    ['two ::', '1::2::3'],
    ['nine groups', '1:2:3:4:5:6:7:8:9'],
    ['seven groups without ::', '1:2:3:4:5:6:7'],
    ['eight groups and ::', '1:2:3:4::5:6:7:8'],
    ['a group of five digits', '12345::'],
    ['a zone', 'fe80::1%eth0'],
    ['a dotted tail with a heading zero', '::ffff:01.2.3.4'],
    ['a dotted tail above 255', '::ffff:1.2.3.256'],
    ['a dotted tail of three parts', '::ffff:1.2.3'],
    ['a dotted tail with five parts', '::ffff:1.2.3.4.5'],
    ['a dotted tail with four digits', '::ffff:1.2.3.1000'],
    ['a dotted tail after seven groups', '1:2:3:4:5:6:7:1.2.3.4'],
    ['a dotted tail then more', '::1.2.3.4:5'],
    ['a group after a dotted tail dot', '::1.2.3.'],
    ['a letter beyond f', '::g'],
    ['too long', '0000:0000:0000:0000:0000:0000:0000:0000:0000:00'],
  ]
  it.each(refused)('fail: %s', (_name, text) => {
    expect(parsed(text)).toBeUndefined()
  })

  const read: readonly [string, string, string][] = [
    ['upper case', '2001:DB8::1', '2001:db8::1'],
    ['a dotted tail after six groups', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    [':: alone', '::', '::'],
    ['a leading :: before two groups: an IPv4-compatible address, as Node writes it', '::1:2', '::0.1.0.2'],
    ['a leading :: before three groups', '::1:2:3', '::1:2:3'],
    ['a trailing ::', '1:2::', '1:2::'],
  ]
  it.each(read)('%s', (_name, text, expected) => {
    expect(parsed(text)).toBe(expected)
  })
})
