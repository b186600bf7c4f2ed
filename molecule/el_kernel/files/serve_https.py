"""Serve a directory over HTTPS (the el_kernel scenario's ELRepo-like tree): python3 serve_https.py DIR ADDRESS PORT CERT KEY.

kernel_ml fetches ELRepo's signing keys and release package over https only, so the local tree is served the same
way, with a certificate of a throwaway CA that prepare.yml makes the test host trust.
"""

import functools
import http.server
import ssl
import sys


def main():
    directory, address, port, cert, key = sys.argv[1:6]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    server = http.server.ThreadingHTTPServer((address, int(port)), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
