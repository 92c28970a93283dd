# Varnish's defaults: a backend and the built-in VCL.
vcl 4.1;

backend default {
  .host = "127.0.0.1";
  .port = "3000";
}
