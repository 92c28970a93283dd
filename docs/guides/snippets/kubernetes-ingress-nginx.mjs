import express from 'express'
import { platform } from 'proxy-trust'
import { trustProxy } from 'proxy-trust/express'

export const app = express()
// your cluster's pod CIDR: the controller connects to pods from it
const { setting, options } = platform('kubernetes-ingress-nginx', { pods: '10.244.0.0/16' })
export const trust = trustProxy(app, setting, options)
