// tracing.mjs: OpenTelemetry's HTTP instrumentation with span attributes that name the client the
// walk found. Give `httpInstrumentation` to your SDK setup, e.g.
// `new NodeSDK({ instrumentations: [httpInstrumentation] })`, loaded before the app.

import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { compileTrust } from 'proxy-trust'
import { incomingSpanHook } from 'proxy-trust/opentelemetry'

// the same setting (and options) the app gives its framework; with an adapter, its `trust`
export const trust = compileTrust(process.env.TRUST_PROXY ?? 'loopback', { hostAndProto: 'aligned' })

export const httpInstrumentation = new HttpInstrumentation({
  // client.address, client.port, server.address, server.port and url.scheme from the walk
  startIncomingSpanHook: incomingSpanHook(trust),
})
