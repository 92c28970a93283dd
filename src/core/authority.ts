// authority.ts: which forwarded host and protocol values are acceptable, for
// `hostAndProto: 'aligned'`. A value that fails is ignored, never returned.

import { hexValue, isPortNumber, Kind, parseAddress } from './address.js'

const scratch = new Int32Array(4)

/** The protocols a proxy may report, lower-cased; anything else is ignored. */
export function normalizeProtocol(value: string): string | undefined {
  const lower = value.trim().toLowerCase()
  return lower === 'http' || lower === 'https' || lower === 'ws' || lower === 'wss' ? lower : undefined
}

/**
 * Whether `value` is an RFC 3986 host with an optional port up to 65535:
 *
 *   host = IP-literal / IPv4address / reg-name ; port = *DIGIT
 *
 * reg-name is narrowed to unreserved characters and percent-encodings (no sub-delims), so that a
 * value can never carry userinfo (`evil.com:x@good.com`), a list separator or a path.
 */
export function isValidHost(value: string): boolean {
  if (value.length === 0 || value.length > 261) return false
  let end = value.length
  const colon = value.lastIndexOf(':')
  const close = value.lastIndexOf(']')
  if (colon > close) {
    if (!isPortNumber(value, colon + 1, value.length)) return false
    end = colon
  }
  if (value.charCodeAt(0) === 0x5b) { /* [ */
    // IP-literal = "[" IPv6address "]"; a zone has no place in a Host header
    if (close !== end - 1 || value.indexOf('%') !== -1) return false
    const kind = parseAddress(value, scratch, 1, close, true)
    return kind === Kind.V6 || kind === Kind.Mapped
  }
  return end > 0 && isRegName(value, end)
}

/** unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" ; pct-encoded = "%" HEXDIG HEXDIG */
function isRegName(value: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = value.charCodeAt(i)
    const lower = c | 0x20
    if ((lower >= 0x61 && lower <= 0x7a) || (c >= 0x30 && c <= 0x39)) continue /* a-z A-Z 0-9 */
    if (c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e) continue /* - . _ ~ */
    if (c === 0x25 && i + 2 < end && hexValue(value.charCodeAt(i + 1)) >= 0 && hexValue(value.charCodeAt(i + 2)) >= 0) { /* % */
      i += 2
      continue
    }
    return false
  }
  return true
}
