// The parser against a second implementation, proxy-protocol-js, on generated headers: each header is
// built by proxy-protocol-js from generated fields and must parse here to the same fields, with the
// same bytes left over. Beside it, the properties the parser's comments and the guide claim.

import { SocketAddress } from 'node:net'
import fc from 'fast-check'
import * as oracle from 'proxy-protocol-js'
import { describe, expect, it } from 'vitest'
import { parseProxyHeader, V2_MAX } from '../../src/connection/parse.js'
import { inet, ssl, v2 } from './encode.js'

const RUNS = 2000

const port = fc.integer({ min: 0, max: 65535 })
const payload = fc.string({ maxLength: 40 }).map((text) => text.replace(/\r|\n/g, ''))
/** IPv6 text in any of the forms fast-check writes (compressed, full, with an IPv4 tail). */
const ipv6 = fc.ipV6()

const normalise = (address: string): string => new SocketAddress({ address, family: 'ipv6' }).address

describe('version 1 against proxy-protocol-js', () => {
  it('TCP4: the same addresses, ports and bytes left over', () => {
    fc.assert(fc.property(fc.ipV4(), fc.ipV4(), port, port, payload, (source, destination, sourcePort, destinationPort, data) => {
      const text = new oracle.V1ProxyProtocol(oracle.INETProtocol.TCP4, new oracle.Peer(source, sourcePort), new oracle.Peer(destination, destinationPort), data).build()
      const theirs = oracle.V1ProxyProtocol.parse(text)
      const ours = parseProxyHeader(Buffer.from(text, 'latin1'))
      if (ours.state !== 'done') throw new Error(`${JSON.stringify(text)}: ${JSON.stringify(ours)}`)
      expect(ours.header.source).toEqual({ address: theirs.source.ipAddress, port: theirs.source.port })
      expect(ours.header.destination).toEqual({ address: theirs.destination.ipAddress, port: theirs.destination.port })
      expect(Buffer.from(text, 'latin1').subarray(ours.length).toString('latin1')).toBe(theirs.data)
    }), { numRuns: RUNS })
  })

  it('TCP6: the same addresses (in the form Node gives a peer), ports and bytes left over', () => {
    fc.assert(fc.property(ipv6, ipv6, port, port, payload, (source, destination, sourcePort, destinationPort, data) => {
      const text = new oracle.V1ProxyProtocol(oracle.INETProtocol.TCP6, new oracle.Peer(source, sourcePort), new oracle.Peer(destination, destinationPort), data).build()
      const theirs = oracle.V1ProxyProtocol.parse(text)
      const ours = parseProxyHeader(Buffer.from(text, 'latin1'))
      if (ours.state !== 'done') throw new Error(`${JSON.stringify(text)}: ${JSON.stringify(ours)}`)
      expect(ours.header.source).toEqual({ address: normalise(theirs.source.ipAddress), port: theirs.source.port })
      expect(ours.header.destination).toEqual({ address: normalise(theirs.destination.ipAddress), port: theirs.destination.port })
      expect(Buffer.from(text, 'latin1').subarray(ours.length).toString('latin1')).toBe(theirs.data)
    }), { numRuns: RUNS })
  })

  // proxy-protocol-js reads a version 1 line with a regular expression that takes any non-space
  // text as an address and any digits as a port; section 2.1 is stricter, and so is this parser
  const stricter: readonly [string, string][] = [
    ['a heading zero in an IPv4 address', 'PROXY TCP4 010.0.0.1 127.0.0.1 1 2\r\n'],
    ['a port above 65535', 'PROXY TCP4 10.0.0.1 127.0.0.1 70000 2\r\n'],
    ['a port with a heading zero', 'PROXY TCP4 10.0.0.1 127.0.0.1 01 2\r\n'],
    ['a host name for an address', 'PROXY TCP4 example.com 127.0.0.1 1 2\r\n'],
    ['an IPv6 address under TCP4', 'PROXY TCP4 ::1 127.0.0.1 1 2\r\n'],
  ]
  it.each(stricter)('deliberate difference, stricter by section 2.1: %s', (_name, text) => {
    expect(() => oracle.V1ProxyProtocol.parse(text)).not.toThrow()
    expect(parseProxyHeader(Buffer.from(text, 'latin1')).state).toBe('invalid')
  })
})

describe('version 2 against proxy-protocol-js', () => {
  const bytes = (n: number) => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: n, maxLength: n })
  const family = fc.constantFrom('IPv4', 'IPv6', 'unix')
  const command = fc.constantFrom(oracle.Command.LOCAL, oracle.Command.PROXY)
  const transport = fc.constantFrom(oracle.TransportProtocol.STREAM, oracle.TransportProtocol.DGRAM)
  const data = fc.uint8Array({ maxLength: 40 })

  it('the same command, family, addresses, ports and bytes left over', () => {
    fc.assert(fc.property(family, command, transport, bytes(16), bytes(16), port, port, data, (kind, cmd, proto, a, b, sourcePort, destinationPort, rest) => {
      let address: oracle.ProxyAddress
      if (kind === 'IPv4') address = new oracle.IPv4ProxyAddress(oracle.IPv4Address.createFrom(a.slice(0, 4)), sourcePort, oracle.IPv4Address.createFrom(b.slice(0, 4)), destinationPort)
      else if (kind === 'IPv6') address = new oracle.IPv6ProxyAddress(oracle.IPv6Address.createFrom(a), sourcePort, oracle.IPv6Address.createFrom(b), destinationPort)
      else address = new oracle.UnixProxyAddress(oracle.UnixAddress.createFrom([...a, ...new Array(92).fill(0)]), oracle.UnixAddress.createFrom([...b, ...new Array(92).fill(0)]))
      const header = new oracle.V2ProxyProtocol(cmd, proto, address, rest).build()
      const theirs = oracle.V2ProxyProtocol.parse(header)
      const ours = parseProxyHeader(header)
      if (ours.state !== 'done') throw new Error(JSON.stringify(ours))
      expect(Buffer.from(header.subarray(ours.length))).toEqual(Buffer.from(theirs.data ?? []))
      expect(ours.header.command).toBe(theirs.command === oracle.Command.LOCAL ? 'local' : 'proxy')
      if (ours.header.command === 'local') return
      expect(ours.header.transport).toBe(theirs.transportProtocol === oracle.TransportProtocol.STREAM ? 'stream' : 'dgram')
      expect(ours.header.family).toBe(kind)
      const them = theirs.proxyAddress
      if (them instanceof oracle.IPv4ProxyAddress) {
        expect(ours.header.source).toEqual({ address: them.sourceAddress.address.join('.'), port: them.sourcePort })
        expect(ours.header.destination).toEqual({ address: them.destinationAddress.address.join('.'), port: them.destinationPort })
      } else if (them instanceof oracle.IPv6ProxyAddress) {
        const text = (tuple: readonly number[]) => normalise(Buffer.from(tuple).toString('hex').replace(/(.{4})(?!$)/g, '$1:'))
        expect(ours.header.source).toEqual({ address: text(them.sourceAddress.address), port: them.sourcePort })
        expect(ours.header.destination).toEqual({ address: text(them.destinationAddress.address), port: them.destinationPort })
      } else {
        const path = (tuple: readonly number[]) => {
          const end = tuple.indexOf(0)
          return Buffer.from(end === -1 ? tuple : tuple.slice(0, end)).toString('utf8')
        }
        const unix = them as oracle.UnixProxyAddress
        expect(ours.header.source).toEqual({ address: path(unix.sourceAddress.address), port: 0 })
        expect(ours.header.destination).toEqual({ address: path(unix.destinationAddress.address), port: 0 })
      }
    }), { numRuns: RUNS })
  })
})

/** Valid headers of every kind this parser accepts, TLVs and CRC32C included. */
const validHeader = fc.oneof(
  fc.tuple(fc.ipV4(), fc.ipV4(), port, port).map(([a, b, p, q]) => Buffer.from(`PROXY TCP4 ${a} ${b} ${p} ${q}\r\n`)),
  fc.tuple(ipv6, ipv6, port, port).map(([a, b, p, q]) => Buffer.from(`PROXY TCP6 ${a} ${b} ${p} ${q}\r\n`)),
  fc.constant(Buffer.from('PROXY UNKNOWN\r\n')),
  fc.tuple(fc.ipV4(), fc.ipV4(), port, port, fc.boolean(), fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 30 })).map(([a, b, p, q, crc, authority, custom]) =>
    v2({ fam: 0x11, addresses: inet(a, b, p, q), crc, tlvs: [{ type: 0x02, value: authority }, { type: 0xe0, value: custom }, { type: 0x20, value: ssl(1, 0, [{ type: 0x21, value: 'TLSv1.3' }]) }] })),
  fc.constant(v2({ command: 0, fam: 0 })),
)

describe('properties', () => {
  it('never throws, whatever the bytes: arbitrary, or after either signature', () => {
    const prefix = fc.constantFrom(Buffer.alloc(0), Buffer.from('PROXY '), Buffer.from('PROXY TCP4 '), v2({ fam: 0x11 }).subarray(0, 12), v2({ fam: 0x21 }).subarray(0, 14))
    fc.assert(fc.property(prefix, fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 108, max: V2_MAX }), (head, tail, max) => {
      const result = parseProxyHeader(Buffer.concat([head, tail]), max)
      expect(['partial', 'invalid', 'done']).toContain(result.state)
    }), { numRuns: RUNS * 5 })
  })

  it('every strict prefix of a valid header is partial, and the whole header is done with its own length', () => {
    fc.assert(fc.property(validHeader, fc.uint8Array({ maxLength: 20 }), (header, after) => {
      for (let n = 0; n < header.length; n++) expect(parseProxyHeader(header.subarray(0, n)).state).toBe('partial')
      const result = parseProxyHeader(Buffer.concat([header, after]))
      expect(result.state === 'done' && result.length).toBe(header.length)
    }), { numRuns: RUNS / 4 })
  })

  it('a header changed in one byte never throws, and under a CRC32C never announces another client', () => {
    fc.assert(fc.property(validHeader, fc.nat(), fc.integer({ min: 1, max: 255 }), (header, at, xor) => {
      const changed = Buffer.from(header)
      const i = at % changed.length
      changed[i] = (changed[i] as number) ^ xor
      const result = parseProxyHeader(changed)
      const original = parseProxyHeader(header)
      if (original.state !== 'done' || original.header.tlvs?.crc32c === undefined || result.state !== 'done') return
      // the CRC32C covers the whole header: a changed header that still parses announces no client
      // (the command became LOCAL or the family UNSPEC, whose bytes are skipped unread, CRC
      // included, and the TCP address is kept), or the same client, when the changed byte was not
      // an address's and the CRC32C TLV was no longer read as one (its own type changed, or an
      // earlier TLV's length changed so that its value swallowed the CRC32C TLV)
      if (result.header.source !== undefined) expect(result.header.source).toEqual(original.header.source)
    }), { numRuns: RUNS })
  })
})
