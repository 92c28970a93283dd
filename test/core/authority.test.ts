// authority.test.ts: normalizeProtocol and isValidHost, which decide the forwarded protocol and host
// values that `hostAndProto: 'aligned'` and `source: 'forwarded'` accept. A value they refuse is
// ignored, never returned.

import { describe, expect, it } from 'vitest'
import { isValidHost, normalizeProtocol } from '../../src/core/authority.js'

describe('normalizeProtocol', () => {
  interface ProtocolCase {
    readonly name: string
    readonly value: string
    readonly expected: string | undefined
  }

  const protocolCases: readonly ProtocolCase[] = [
    { name: 'http', value: 'http', expected: 'http' },
    { name: 'https', value: 'https', expected: 'https' },
    { name: 'ws', value: 'ws', expected: 'ws' },
    { name: 'wss', value: 'wss', expected: 'wss' },
    { name: 'HTTPS in capitals, lower-cased', value: 'HTTPS', expected: 'https' },
    { name: 'mixed case, lower-cased', value: 'hTtP', expected: 'http' },
    { name: 'WSS in capitals, lower-cased', value: 'WSS', expected: 'wss' },
    { name: 'spaces around, trimmed', value: ' https ', expected: 'https' },
    { name: 'tabs and newlines around, trimmed', value: '\thttps\r\n', expected: 'https' },
    { name: 'fail: ftp', value: 'ftp', expected: undefined },
    { name: 'fail: gopher', value: 'gopher', expected: undefined },
    { name: 'fail: empty', value: '', expected: undefined },
    { name: 'fail: only spaces', value: '   ', expected: undefined },
    { name: 'fail: a scheme with its colon', value: 'https:', expected: undefined },
    { name: 'fail: a URL', value: 'https://example.com', expected: undefined },
    { name: 'fail: a list of two', value: 'https, http', expected: undefined },
    { name: 'fail: a space inside', value: 'ht tps', expected: undefined },
    { name: 'fail: a prefix of a protocol', value: 'htt', expected: undefined },
    { name: 'fail: a protocol with a suffix', value: 'httpss', expected: undefined },
    { name: 'fail: a protocol with a NUL character', value: 'https\u0000', expected: undefined },
  ]

  it.each(protocolCases)('$name', ({ value, expected }) => {
    expect(normalizeProtocol(value)).toBe(expected)
  })
})

describe('isValidHost', () => {
  interface HostCase {
    readonly name: string
    readonly value: string
    readonly valid: boolean
  }

  const nameCases: readonly HostCase[] = [
    { name: 'a name', value: 'example.com', valid: true },
    { name: 'a name in capitals', value: 'EXAMPLE.COM', valid: true },
    { name: 'a single label', value: 'localhost', valid: true },
    { name: 'a single character', value: 'a', valid: true },
    { name: 'a punycode name', value: 'xn--bcher-kva.example', valid: true },
    { name: 'every unreserved character: letters, digits, - . _ ~', value: 'a-b.c_d~e0123456789.AZaz', valid: true },
    { name: 'a fully qualified name with its trailing dot', value: 'shop.example.', valid: true },
    { name: 'a name beginning with an underscore', value: '_service.example', valid: true },
    { name: 'a dotted name that is no IPv4 address is still a reg-name', value: '999.999.999.999', valid: true },
    { name: 'fail: empty', value: '', valid: false },
    { name: 'fail: a name outside ASCII', value: 'bücher.example', valid: false },
    { name: 'fail: a space inside', value: 'exa mple.com', valid: false },
    { name: 'fail: a leading space', value: ' example.com', valid: false },
    { name: 'fail: a trailing tab', value: 'example.com\t', valid: false },
    { name: 'fail: a path', value: 'example.com/admin', valid: false },
    { name: 'fail: a query', value: 'example.com?x=1', valid: false },
    { name: 'fail: a fragment', value: 'example.com#x', valid: false },
    { name: 'fail: a backslash', value: 'example.com\\evil', valid: false },
    { name: 'fail: a list separator', value: 'a.example,b.example', valid: false },
    { name: 'fail: a list with a space', value: 'a.example, b.example', valid: false },
    { name: 'fail: a NUL character', value: 'example.com\u0000', valid: false },
    { name: 'fail: DEL', value: 'example\u007f.com', valid: false },
    { name: 'fail: brackets inside a name', value: 'x[::1]', valid: false },
    { name: 'fail: an at sign', value: '@example.com', valid: false },
    { name: 'fail: a quote', value: '"example.com"', valid: false },
  ]

  const userinfoCases: readonly HostCase[] = [
    { name: 'fail: userinfo with a password and a port-like part', value: 'evil.com:x@good.com', valid: false },
    { name: 'fail: userinfo without a password', value: 'user@good.com', valid: false },
    { name: 'fail: userinfo and a port', value: 'user@good.com:443', valid: false },
    { name: 'fail: userinfo with a numeric password', value: 'evil.com:80@good.com', valid: false },
  ]

  // sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=" (RFC 3986 section 2.2)
  const subDelimCases: readonly HostCase[] = [..."!$&'()*+,;="].map((c) => ({
    name: `fail: the sub-delim ${JSON.stringify(c)}, which RFC 3986 allows in a reg-name but is refused here`,
    value: `shop${c}example.com`,
    valid: false,
  }))

  const percentCases: readonly HostCase[] = [
    { name: 'a percent-encoding', value: 'ex%41mple.com', valid: true },
    { name: 'a percent-encoding in lower-case hex', value: 'ex%2dample.com', valid: true },
    { name: 'a percent-encoding in upper-case hex', value: 'ex%2Dample.com', valid: true },
    { name: 'a percent-encoding at the start', value: '%41.example', valid: true },
    { name: 'a percent-encoding at the end', value: 'example.%41', valid: true },
    { name: 'a percent-encoding before a port', value: 'example.%41:8080', valid: true },
    { name: 'percent-encodings one after another', value: '%e2%82%ac.example', valid: true },
    { name: 'fail: a lone percent sign', value: 'ex%ample.com', valid: false },
    { name: 'fail: a percent sign at the end', value: 'example.com%', valid: false },
    { name: 'fail: a percent sign with one hex digit at the end', value: 'example.com%4', valid: false },
    { name: 'fail: a percent sign with one hex digit before a port', value: 'example.com%4:80', valid: false },
    { name: 'fail: a percent sign with non-hex digits', value: 'ex%zzample.com', valid: false },
    { name: 'fail: a percent sign with a second digit that is not hex', value: 'ex%4gample.com', valid: false },
    { name: 'fail: a percent sign with a first digit that is not hex', value: 'ex%g4ample.com', valid: false },
    { name: 'fail: an encoded percent sign left half-done', value: 'ex%%41ample.com', valid: false },
  ]

  const ipv4Cases: readonly HostCase[] = [
    { name: 'an IPv4 address', value: '192.0.2.1', valid: true },
    { name: 'an IPv4 address with a port', value: '192.0.2.1:8080', valid: true },
    { name: 'the IPv4 loopback address', value: '127.0.0.1', valid: true },
    { name: 'fail: an IPv4 address with an empty port', value: '192.0.2.1:', valid: false },
  ]

  const ipv6Cases: readonly HostCase[] = [
    { name: 'a bracketed IPv6 address', value: '[2001:db8::1]', valid: true },
    { name: 'a bracketed IPv6 address with a port', value: '[2001:db8::1]:443', valid: true },
    { name: 'the IPv6 loopback address', value: '[::1]', valid: true },
    { name: 'the unspecified address', value: '[::]', valid: true },
    { name: 'an IPv6 address in capitals', value: '[2001:DB8::ABCD]', valid: true },
    { name: 'an IPv6 address with all eight groups', value: '[2001:db8:0:0:0:0:0:1]:8443', valid: true },
    { name: 'an IPv4-mapped address', value: '[::ffff:192.0.2.1]', valid: true },
    { name: 'an IPv4-mapped address with a port', value: '[::ffff:192.0.2.1]:80', valid: true },
    { name: 'an IPv4-mapped address in hex groups', value: '[::ffff:c000:201]', valid: true },
    { name: 'fail: an IPv6 address without brackets', value: '2001:db8::1', valid: false },
    { name: 'fail: the loopback address without brackets', value: '::1', valid: false },
    { name: 'fail: an unclosed bracket', value: '[::1', valid: false },
    { name: 'fail: an unopened bracket', value: '::1]', valid: false },
    { name: 'fail: empty brackets', value: '[]', valid: false },
    { name: 'fail: empty brackets with a port', value: '[]:80', valid: false },
    { name: 'fail: text after the closing bracket', value: '[::1]x', valid: false },
    { name: 'fail: a second closing bracket', value: '[::1]]', valid: false },
    { name: 'fail: two ports', value: '[::1]:80:80', valid: false },
    { name: 'fail: an empty port after brackets', value: '[::1]:', valid: false },
    { name: 'fail: a zone id, percent-encoded as RFC 6874 writes it', value: '[fe80::1%25eth0]', valid: false },
    { name: 'fail: a zone id', value: '[fe80::1%eth0]:443', valid: false },
    { name: 'fail: an IPv4 address in brackets', value: '[192.0.2.1]', valid: false },
    { name: "an embedded IPv4 form other than the mapped one, which RFC 3986's IPv6address allows", value: '[::192.0.2.1]', valid: true },
    { name: 'the RFC 6052 prefix with an embedded IPv4 address, and a port', value: '[64:ff9b::192.0.2.1]:8443', valid: true },
    { name: 'fail: an embedded IPv4 part with a leading zero', value: '[64:ff9b::192.0.2.01]', valid: false },
    { name: 'fail: an odd IPv4 spelling inside a mapped address', value: '[::ffff:0177.0.0.1]', valid: false },
    { name: 'fail: a group of five digits', value: '[12345::1]', valid: false },
    { name: 'fail: a character that is not hex', value: '[g::1]', valid: false },
    { name: 'fail: nine groups', value: '[1:2:3:4:5:6:7:8:9]', valid: false },
    { name: 'fail: an IPvFuture literal', value: '[v1.fe]', valid: false },
    { name: 'fail: a name in brackets', value: '[example.com]', valid: false },
  ]

  const portCases: readonly HostCase[] = [
    { name: 'port 0', value: 'example.com:0', valid: true },
    { name: 'port 80', value: 'example.com:80', valid: true },
    { name: 'port 65535, the largest', value: 'example.com:65535', valid: true },
    { name: 'a port of five digits with leading zeros', value: 'example.com:00080', valid: true },
    { name: 'fail: port 65536', value: 'example.com:65536', valid: false },
    { name: 'fail: port 99999', value: 'example.com:99999', valid: false },
    { name: 'fail: a port of six digits', value: 'example.com:000080', valid: false },
    { name: 'fail: a port of six digits over 65535', value: 'example.com:123456', valid: false },
    { name: 'fail: an empty port', value: 'example.com:', valid: false },
    { name: 'fail: a port with a letter', value: 'example.com:8a', valid: false },
    { name: 'fail: a named port', value: 'example.com:http', valid: false },
    { name: 'fail: a negative port', value: 'example.com:-1', valid: false },
    { name: 'fail: a space before the port', value: 'example.com: 80', valid: false },
    { name: 'fail: a port with a sign', value: 'example.com:+80', valid: false },
    { name: 'fail: a port without a host', value: ':80', valid: false },
    { name: 'fail: a colon alone', value: ':', valid: false },
    { name: 'fail: two ports after a name', value: 'example.com:80:80', valid: false },
  ]

  // the longest host that can be valid: a 255-character name (RFC 1035's limit) and a 5-digit port
  const lengthCases: readonly HostCase[] = [
    { name: 'a name of 261 characters, the limit', value: 'a'.repeat(261), valid: true },
    { name: 'a name of 255 characters with a 5-digit port, 261 in all', value: `${'a'.repeat(255)}:65535`, valid: true },
    { name: 'fail: a name of 262 characters', value: 'a'.repeat(262), valid: false },
    { name: 'fail: a name of 256 characters with a 5-digit port, 262 in all', value: `${'a'.repeat(256)}:65535`, valid: false },
    { name: 'fail: a megabyte of name', value: 'a'.repeat(1 << 20), valid: false },
  ]

  describe.each([
    ['names', nameCases],
    ['userinfo', userinfoCases],
    ['sub-delims', subDelimCases],
    ['percent-encodings', percentCases],
    ['IPv4 addresses', ipv4Cases],
    ['IPv6 literals', ipv6Cases],
    ['ports', portCases],
    ['lengths', lengthCases],
  ] as const)('%s', (_group, cases) => {
    it.each(cases)('$name', ({ value, valid }) => {
      expect(isValidHost(value)).toBe(valid)
    })
  })
})
