# Varnish 7.1 in front of an application at 127.0.0.1:3000. varnishd appends the client's address to
# X-Forwarded-For itself, before vcl_recv (https://varnish-cache.org/docs/7.1/reference/vcl-var.html,
# "req.http.*"), and passes every other header on as the client sent it; it writes no
# X-Forwarded-Proto, X-Forwarded-Host or Forwarded. Those headers are kept only from the proxies
# listed in forwarding_proxies, and X-Forwarded-Proto is written when no such proxy sent one.
vcl 4.1;

backend default {
  .host = "127.0.0.1";
  .port = "3000";
}

# The proxies in front of Varnish whose X-Forwarded-Host, X-Forwarded-Proto and Forwarded are
# carried on (here a proxy on the same machine); at the edge, a name that is not yours.
acl forwarding_proxies {
  "127.0.0.1";
}

sub vcl_recv {
  if (client.ip !~ forwarding_proxies) {
    unset req.http.X-Forwarded-Host;
    unset req.http.X-Forwarded-Proto;
    unset req.http.Forwarded;
  }
  if (!req.http.X-Forwarded-Proto) {
    set req.http.X-Forwarded-Proto = "http";
  }
}
