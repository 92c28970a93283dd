import express from 'express'
import { settingFromEnv } from 'proxy-trust'

export const app = express()
// TRUST_PROXY=1, TRUST_PROXY=loopback,10.0.0.0/8 or TRUST_PROXY=cloudflare: never the address 0.0.0.1
app.set('trust proxy', settingFromEnv(process.env.TRUST_PROXY, 'TRUST_PROXY'))
