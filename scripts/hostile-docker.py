#!/usr/bin/env python3
"""A hostile stand-in for the Docker Engine API on 127.0.0.1, for the agent's hostile-input tests.

    scripts/hostile-docker.py PORT

It answers like Docker, except that inspecting a container returns 9 MiB of JSON and the event stream
sends garbage, an oversized object and truncated objects between well-formed events. A real agent must refuse
what is too large, skip what is malformed, and carry on.
"""
import http.server
import json
import sys
import time

BIG = 9 * 1024 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Api-Version", "1.41")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/_ping":
            return self.send(200, b"OK", "text/plain")
        if path.endswith("/containers/json"):
            return self.send(200, json.dumps([{"Id": "big", "Names": ["/big"], "Labels": {}}]).encode())
        if path.endswith("/networks/bridge"):
            return self.send(404, b'{"message":"no bridge"}')
        if path.endswith("/containers/big/json"):
            pad = "x" * BIG
            return self.send(200, ('{"Id":"big","Name":"/big","Pad":"%s"}' % pad).encode())
        if path.endswith("/events"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Api-Version", "1.41")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            event = b'{"Type":"container","Action":"start","Actor":{"ID":"big","Attributes":{"name":"big"}},"time":1,"timeNano":1000000000}'
            hostile = [b"garbage\n", b'{"Type":' + b'"' + b"y" * (2 * 1024 * 1024) + b'"}', b'{"Type":"container",', event]
            try:
                for _ in range(30):
                    for chunk in hostile:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.flush()
                    time.sleep(0.2)
                while True:
                    time.sleep(1)
            except (BrokenPipeError, ConnectionResetError):
                return
        return self.send(404, b'{"message":"not found"}')


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
