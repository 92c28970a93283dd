import express from 'express'
import { platform } from 'proxy-trust'
import { trustProxy } from 'proxy-trust/express'

export const app = express()
// the load balancer's own address: its forwarding rule's IP (gcloud compute forwarding-rules list)
const { setting, options } = platform('google-cloud', { loadBalancer: process.env.LOAD_BALANCER_IP })
export const trust = trustProxy(app, setting, options)
