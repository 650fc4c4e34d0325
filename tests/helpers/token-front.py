#!/usr/bin/env python3
"""A registry front for registry.bats: every /v2/ request needs a bearer
token, else 401 with a Bearer challenge whose realm is our /token; /token
hands out tokens to basic credentials USER:PASS, each good for the
repositories its scope parameters name.  Authorised requests are
passed on to the registry at BACKEND_PORT, and its absolute Location
headers are made relative (clients must resolve both kinds).  Each request
is logged on stderr.  With MODE wrong-digest, manifests come with a false
Docker-Content-Digest header; with foreign-location, Locations name
another host (localhost instead of 127.0.0.1), which must not be sent the
client's credentials.

usage: token-front.py PORT BACKEND_PORT USER PASS [MODE]
"""
import base64
import http.client
import http.server
import json
import re
import secrets
import sys
import urllib.parse

PORT, BACKEND = int(sys.argv[1]), int(sys.argv[2])
BASIC = "Basic " + base64.b64encode(f"{sys.argv[3]}:{sys.argv[4]}".encode()).decode()
MODE = sys.argv[5] if len(sys.argv) > 5 else ""
TOKENS = {}  # token -> the repositories its scopes name
HOP = {"connection", "content-length", "transfer-encoding", "keep-alive", "date", "server"}


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("front: " + (fmt % args) + "\n")
        sys.stderr.flush()

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def token(self):
        if self.headers.get("Authorization", "") != BASIC:
            return self.reply(401, b'{"details":"bad credentials"}', [("Content-Type", "application/json")])
        tok = secrets.token_hex(16)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        TOKENS[tok] = {sc.split(":")[1] for sc in query.get("scope", []) if sc.count(":") == 2}
        return self.reply(200, json.dumps({"token": tok}).encode(), [("Content-Type", "application/json")])

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/token"):
            return self.token()
        auth = self.headers.get("Authorization", "")
        m = re.match(r"^/v2/(.+?)/(blobs|manifests|tags)/", self.path)
        src = re.search(r"[?&]from=([^&]+)", self.path)
        need = ({m.group(1)} if m else set()) | ({urllib.parse.unquote(src.group(1))} if src else set())
        tok = auth[7:] if auth.startswith("Bearer ") else None
        if tok not in TOKENS or not need <= TOKENS[tok]:
            scope = f"repository:{m.group(1)}:pull,push" if m else ""
            # A mount also needs pull on its source, as a second scope.
            if src:
                scope += f" repository:{urllib.parse.unquote(src.group(1))}:pull"
            scope = f',scope="{scope}"' if scope else ""
            challenge = f'Bearer realm="http://127.0.0.1:{PORT}/token",service="test-registry"{scope}'
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                              [("WWW-Authenticate", challenge), ("Content-Type", "application/json")])
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "authorization"}
        conn = http.client.HTTPConnection("127.0.0.1", BACKEND, timeout=60)
        send_body = body if (body or self.command in ("POST", "PUT", "PATCH")) else None
        conn.request(self.command, self.path, body=send_body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() == "location":
                v = re.sub(r"^https?://[^/]+", "", v)
                if MODE == "foreign-location":
                    v = f"http://localhost:{PORT}{v}"
            if k.lower() == "docker-content-digest" and MODE == "wrong-digest" and "/manifests/" in self.path:
                v = "sha256:" + "0" * 64
            if k.lower() not in HOP:
                self.send_header(k, v)
        if self.command == "HEAD":
            self.send_header("Content-Length", resp.getheader("Content-Length", "0"))
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Front).serve_forever()
