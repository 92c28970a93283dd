// answers.mjs: the settings every runtime's server answers for, and the answers it reports. The same
// file runs in Node, Bun, Deno and a Worker, so any difference between runtimes is the runtime's. It
// imports nothing: each server hands it the package as that runtime imports it.

/** Each setting by name; the client asks once and gets the answers of all of them. */
export const SETTINGS = [
  { name: 'false', setting: false },
  { name: 'one-peer', setting: '127.0.0.2' },
  { name: 'two-peers', setting: ['127.0.0.2', '127.0.0.3'] },
  { name: 'loopback', setting: 'loopback' },
  { name: 'hop-count', setting: 1 },
  { name: 'forwarded', setting: ['127.0.0.2', '127.0.0.3'], options: { source: 'forwarded' } },
  { name: 'aligned', setting: ['127.0.0.2', '127.0.0.3'], options: { hostAndProto: 'aligned' } },
]


/** One answer as JSON carries it (undefined becomes null, as Response.json would make it). */
export function plain(answer) {
  return {
    ip: answer.ip ?? null,
    ips: answer.ips,
    host: answer.host ?? null,
    hostname: answer.hostname ?? null,
    protocol: answer.protocol,
    secure: answer.secure,
  }
}

/** A function answering every setting for one request shape, compiled once with the package given. */
export function answersWith({ compileTrust, resolveAddr }) {
  const compiled = SETTINGS.map(({ name, setting, options }) => [name, compileTrust(setting, options)])
  return (req) => {
    const out = {}
    for (const [name, trust] of compiled) out[name] = plain(resolveAddr(req, trust))
    return out
  }
}
