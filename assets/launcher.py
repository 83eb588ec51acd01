"""Serve a Flask app over TLS 1.2 and 1.3 only; written by certfleet.

Runs on Python 3.6 and later. On 3.6, ssl.SSLContext has no minimum_version,
so TLS 1.0 and 1.1 are disabled with the OP_NO_* flags instead.
"""
import argparse
import importlib
import os
import socket
import ssl
import sys
import threading

# Mozilla's "intermediate" cipher list for TLS 1.2; TLS 1.3 suites are not set
# by this string and keep OpenSSL's defaults.
INTERMEDIATE_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
)


def make_ssl_context(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if hasattr(context, "minimum_version"):
        context.minimum_version = ssl.TLSVersion.TLSv1_2
    else:
        context.options |= ssl.OP_NO_SSLv2 | ssl.OP_NO_SSLv3 | ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1
    context.options |= getattr(ssl, "OP_NO_COMPRESSION", 0) | getattr(ssl, "OP_CIPHER_SERVER_PREFERENCE", 0)
    context.set_ciphers(INTERMEDIATE_CIPHERS)
    context.load_cert_chain(cert, key)
    return context


def load_app(app_dir, callable_spec):
    module_name, _, attribute = callable_spec.partition(":")
    sys.path.insert(0, app_dir)
    module = importlib.import_module(module_name)
    return getattr(module, attribute or "app")


def choose_host(requested):
    """Binds both IPv4 and IPv6 where the host has IPv6, IPv4 only otherwise."""
    if requested != "auto":
        return requested
    if socket.has_ipv6:
        try:
            probe = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            probe.close()
            return "::"
        except OSError:
            pass
    return "0.0.0.0"


def start_redirect_listener(host, port, https_port):
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):
            name = (self.headers.get("Host") or "").split(":")[0]
            suffix = "" if https_port == 443 else ":%d" % https_port
            self.send_response(301)
            self.send_header("Location", "https://%s%s%s" % (name, suffix, self.path))
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_GET

        def log_message(self, format, *args):
            sys.stderr.write("redirect: " + (format % args) + "\n")

    class DualStackServer(HTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    server = DualStackServer((host, port), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app-dir", required=True)
    parser.add_argument("--callable", default="app:app")
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--host", default="auto")
    parser.add_argument("--port", type=int, default=443)
    parser.add_argument("--server", choices=["flask", "gunicorn"], default="flask")
    parser.add_argument("--http-redirect-port", type=int, default=0)
    args = parser.parse_args()

    host = choose_host(args.host)
    context = make_ssl_context(os.path.abspath(args.cert), os.path.abspath(args.key))
    if args.http_redirect_port:
        start_redirect_listener(host, args.http_redirect_port, args.port)
    app = load_app(os.path.abspath(args.app_dir), args.callable)
    print("certfleet launcher: serving %s on %s port %d with %s" % (args.callable, host, args.port, args.server), flush=True)

    if args.server == "gunicorn":
        serve_with_gunicorn(app, host, args.port, args, context)
    else:
        app.run(host=host, port=args.port, ssl_context=context, threaded=True)


def serve_with_gunicorn(app, host, port, args, context):
    import gunicorn
    from gunicorn.app.base import BaseApplication

    version = tuple(int(part) for part in gunicorn.__version__.split(".")[:2])
    if version < (21, 0):
        # gunicorn before 21.0 takes no SSLContext: its sync and gthread workers call
        # ssl.wrap_socket(sock, server_side=True, **ssl_options). Workers are forked
        # from this process, so replacing ssl.wrap_socket here applies this
        # context to them too (TLS 1.2 and later, the intermediate ciphers).
        if not hasattr(ssl, "wrap_socket"):
            sys.exit("certfleet launcher: gunicorn %s needs ssl.wrap_socket, which Python %d.%d no longer has; install gunicorn 21.0 or later"
                     % ((gunicorn.__version__,) + tuple(sys.version_info[:2])))

        def wrap_socket(sock, server_side=True, do_handshake_on_connect=True, suppress_ragged_eofs=True, **_ignored):
            return context.wrap_socket(sock, server_side=server_side, do_handshake_on_connect=do_handshake_on_connect,
                                       suppress_ragged_eofs=suppress_ragged_eofs)

        ssl.wrap_socket = wrap_socket

    class Application(BaseApplication):
        def load_config(self):
            bind = "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)
            self.cfg.set("bind", [bind])
            self.cfg.set("worker_class", "gthread" if version < (21, 0) else "sync")
            self.cfg.set("threads", 4)
            self.cfg.set("certfile", args.cert)
            self.cfg.set("keyfile", args.key)
            if version >= (21, 0):
                self.cfg.set("ssl_context", lambda config, default: context)

        def load(self):
            return app

    Application().run()


if __name__ == "__main__":
    main()
