// kubernetes-ingress-nginx.ts: the Kubernetes ingress-nginx controller in front of a pod.
//
// Source: ingress-nginx ConfigMap, https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/
// - use-forwarded-headers (default false): "If false, NGINX ignores incoming X-Forwarded-*
//   headers, filling them with the request information it sees", so X-Forwarded-For holds the one
//   address that connected to the controller;
// - compute-full-forwarded-for: "Append the remote address to the X-Forwarded-For header instead
//   of replacing it", which a chain (a CDN or load balancer in front of the controller) needs.
// The controller connects to pods from the pod network: its CIDR (`pods`) is what to trust.

import { subnetsOption, type PlatformSpec } from './types.js'

/** ingress-nginx: the pod network (`pods`), the client from X-Forwarded-For. */
export const kubernetesIngressNginx: PlatformSpec = {
  name: 'kubernetes-ingress-nginx',
  options: ['pods'],
  part: (options) => ({
    trusted: subnetsOption('kubernetes-ingress-nginx', 'pods', options.pods, "'10.244.0.0/16' (the pod CIDR)"),
    appends: true,
  }),
}
