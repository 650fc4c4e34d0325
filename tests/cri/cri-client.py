#!/usr/bin/python3
"""A small CRI client for cri.bats: the calls a kubelet makes, one per run.

    cri-client.py --stubs DIR --socket SOCK [--timeout S] COMMAND ARGS

DIR holds api_pb2.py and api_pb2_grpc.py, generated from tests/cri/api.proto
by `python3 -m grpc_tools.protoc` (see gen).  Configs are JSON files in the
CRI's field names (PodSandboxConfig, ContainerConfig); results are printed as
JSON with the same names.  Every gRPC call has a deadline (--timeout), so a
call the server never answers fails instead of hanging.

Exit status: 0, or for exec-sync/exec the command's exit code; 124 when a
deadline passed; 125 for any other failure (one line on stderr).

Commands:
  gen PROTO                       generate the stubs into DIR
  version
  runp POD.json [--handler H]     RunPodSandbox; prints the pod id
  stopp ID | rmp ID               StopPodSandbox | RemovePodSandbox
  inspectp ID                     PodSandboxStatus (verbose)
  pods                            ListPodSandbox
  create POD_ID CTR.json POD.json CreateContainer; prints the container id
  start ID | rm ID                StartContainer | RemoveContainer
  stop ID [--grace N]             StopContainer with timeout N (seconds)
  inspect ID                      ContainerStatus (verbose)
  ps [--pod ID]                   ListContainers
  img NAME                        ImageStatus
  images                          ListImages
  exec-sync ID [--cmd-timeout N] CMD...   ExecSync: the command's stdout and
                                  stderr, its exit code as ours
  exec ID [--url-only] CMD...     Exec, then the stream from the URL it
                                  gives (websocket, v4.channel.k8s.io), as a
                                  kubectl exec would read it
"""

import argparse
import base64
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import urllib.parse


class Failure(Exception):
    pass


def die(msg, status=125):
    print("cri-client: " + msg, file=sys.stderr)
    sys.exit(status)


def load_stubs(stubs):
    sys.path.insert(0, stubs)
    try:
        import api_pb2
        import api_pb2_grpc
    except ImportError as e:
        die("cannot load the stubs from %s (run gen first): %s" % (stubs, e))
    return api_pb2, api_pb2_grpc


def gen(stubs, proto):
    os.makedirs(stubs, exist_ok=True)
    proto = os.path.abspath(proto)
    r = subprocess.run([sys.executable, "-m", "grpc_tools.protoc",
                        "-I" + os.path.dirname(proto),
                        "--python_out=" + stubs, "--grpc_python_out=" + stubs,
                        proto], capture_output=True, text=True)
    if r.returncode != 0:
        die("protoc %s: %s" % (proto, r.stderr.strip()))


def read_json(path, message):
    from google.protobuf import json_format
    try:
        with open(path) as f:
            return json_format.Parse(f.read(), message)
    except (OSError, json_format.ParseError) as e:
        die("%s: %s" % (path, e))


def to_json(message):
    from google.protobuf import json_format
    return json_format.MessageToJson(message, preserving_proto_field_name=True,
                                     including_default_value_fields=True,
                                     sort_keys=True)


def ws_read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise Failure("stream closed in the middle of a frame")
        buf += chunk
    return buf


def ws_send(sock, opcode, payload):
    """A client frame: final, masked (RFC 6455 5.3)."""
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def ws_frames(sock):
    """Yields (opcode, payload) of the server's messages until it closes."""
    message, message_op = b"", None
    while True:
        try:
            b0, b1 = ws_read_exact(sock, 2)
        except Failure:
            return
        opcode, n = b0 & 0x0F, b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", ws_read_exact(sock, 2))[0]
        elif n == 127:
            n = struct.unpack("!Q", ws_read_exact(sock, 8))[0]
        mask = ws_read_exact(sock, 4) if b1 & 0x80 else None
        payload = ws_read_exact(sock, n) if n else b""
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if opcode == 0x8:
            ws_send(sock, 0x8, payload[:2])
            return
        if opcode == 0x9:
            ws_send(sock, 0xA, payload)
            continue
        if opcode == 0xA:
            continue
        if opcode != 0:
            message_op, message = opcode, b""
        message += payload
        if b0 & 0x80:
            yield message_op, message


def stream_exec(url, timeout):
    """Reads an exec stream as kubectl does over a websocket: each binary
    message starts with its channel (1 stdout, 2 stderr, 3 the final status
    as a JSON metav1.Status).  Returns the command's exit code."""
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http" or not u.hostname:
        raise Failure("unexpected streaming URL %r" % url)
    sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    path = u.path + ("?" + u.query if u.query else "")
    host = u.netloc
    sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                  "Sec-WebSocket-Version: 13\r\n"
                  "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n"
                  "Origin: http://%s\r\n\r\n" % (path, host, key, host)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise Failure("%s: connection closed during the handshake: %r" % (url, head))
        head += chunk
    lines = head.decode("latin-1").split("\r\n")
    if " 101 " not in lines[0] + " ":
        raise Failure("%s: no websocket upgrade: %s" % (url, lines[0]))
    headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip()
               for l in lines[1:] if ":" in l}
    want = base64.b64encode(hashlib.sha1(
        (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    if headers.get("sec-websocket-accept") != want:
        raise Failure("%s: bad Sec-WebSocket-Accept" % url)
    if headers.get("sec-websocket-protocol") != "v4.channel.k8s.io":
        raise Failure("%s: the server chose protocol %r" % (url, headers.get("sec-websocket-protocol")))
    status = None
    for opcode, message in ws_frames(sock):
        if not message:
            continue
        channel, data = message[0], message[1:]
        if channel == 1:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        elif channel == 2:
            sys.stderr.buffer.write(data)
            sys.stderr.flush()
        elif channel == 3:
            status = json.loads(data) if data else status
    sock.close()
    if status is None:
        raise Failure("%s: the stream ended without a status" % url)
    if status.get("status") == "Success":
        return 0
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            return int(cause["message"])
    raise Failure("%s: exec failed: %s" % (url, status.get("message", status)))


def main():
    ap = argparse.ArgumentParser(description="a small CRI client for the tests")
    ap.add_argument("--stubs", required=True)
    ap.add_argument("--socket")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="deadline of each gRPC call, seconds")
    ap.add_argument("command")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()

    if a.command == "gen":
        if len(a.args) != 1:
            die("gen PROTO")
        gen(a.stubs, a.args[0])
        return 0

    if not a.socket:
        die("--socket is required")
    api, api_grpc = load_stubs(a.stubs)
    import grpc
    channel = grpc.insecure_channel("unix://" + a.socket)
    rt = api_grpc.RuntimeServiceStub(channel)
    im = api_grpc.ImageServiceStub(channel)
    t = a.timeout
    args = a.args

    def one(what):
        if len(args) != 1:
            die("%s takes one argument" % what)
        return args[0]

    def flag(name, default=None):
        if name in args:
            i = args.index(name)
            if i + 1 >= len(args):
                die("%s needs a value" % name)
            value = args[i + 1]
            del args[i:i + 2]
            return value
        return default

    c = a.command
    try:
        if c == "version":
            print(to_json(rt.Version(api.VersionRequest(version="v1"), timeout=t)))
        elif c == "runp":
            handler = flag("--handler", "")
            cfg = read_json(one("runp"), api.PodSandboxConfig())
            r = rt.RunPodSandbox(api.RunPodSandboxRequest(config=cfg, runtime_handler=handler), timeout=t)
            print(r.pod_sandbox_id)
        elif c == "stopp":
            rt.StopPodSandbox(api.StopPodSandboxRequest(pod_sandbox_id=one(c)), timeout=t)
        elif c == "rmp":
            rt.RemovePodSandbox(api.RemovePodSandboxRequest(pod_sandbox_id=one(c)), timeout=t)
        elif c == "inspectp":
            print(to_json(rt.PodSandboxStatus(api.PodSandboxStatusRequest(pod_sandbox_id=one(c), verbose=True), timeout=t)))
        elif c == "pods":
            print(to_json(rt.ListPodSandbox(api.ListPodSandboxRequest(), timeout=t)))
        elif c == "create":
            if len(args) != 3:
                die("create POD_ID CONTAINER.json POD.json")
            r = rt.CreateContainer(api.CreateContainerRequest(
                pod_sandbox_id=args[0], config=read_json(args[1], api.ContainerConfig()),
                sandbox_config=read_json(args[2], api.PodSandboxConfig())), timeout=t)
            print(r.container_id)
        elif c == "start":
            rt.StartContainer(api.StartContainerRequest(container_id=one(c)), timeout=t)
        elif c == "stop":
            grace = int(flag("--grace", "0"))
            rt.StopContainer(api.StopContainerRequest(container_id=one(c), timeout=grace), timeout=t)
        elif c == "rm":
            rt.RemoveContainer(api.RemoveContainerRequest(container_id=one(c)), timeout=t)
        elif c == "inspect":
            print(to_json(rt.ContainerStatus(api.ContainerStatusRequest(container_id=one(c), verbose=True), timeout=t)))
        elif c == "ps":
            pod = flag("--pod", "")
            if args:
                die("ps [--pod ID]")
            print(to_json(rt.ListContainers(api.ListContainersRequest(
                filter=api.ContainerFilter(pod_sandbox_id=pod)), timeout=t)))
        elif c == "img":
            print(to_json(im.ImageStatus(api.ImageStatusRequest(image=api.ImageSpec(image=one(c))), timeout=t)))
        elif c == "images":
            print(to_json(im.ListImages(api.ListImagesRequest(), timeout=t)))
        elif c == "exec-sync":
            cmd_timeout = int(flag("--cmd-timeout", "0"))
            if len(args) < 2:
                die("exec-sync ID CMD...")
            r = rt.ExecSync(api.ExecSyncRequest(container_id=args[0], cmd=args[1:], timeout=cmd_timeout), timeout=t)
            sys.stdout.buffer.write(r.stdout)
            sys.stderr.buffer.write(r.stderr)
            return r.exit_code
        elif c == "exec":
            url_only = "--url-only" in args
            if url_only:
                args.remove("--url-only")
            if len(args) < 2:
                die("exec ID [--url-only] CMD...")
            r = rt.Exec(api.ExecRequest(container_id=args[0], cmd=args[1:], stdout=True, stderr=True), timeout=t)
            if url_only:
                print(r.url)
                return 0
            return stream_exec(r.url, t)
        else:
            die("unknown command %s" % c)
    except grpc.RpcError as e:
        code = e.code()
        die("%s: %s: %s" % (c, code.name, e.details()),
            124 if code == grpc.StatusCode.DEADLINE_EXCEEDED else 125)
    except (Failure, OSError) as e:
        die("%s: %s" % (c, e), 124 if isinstance(e, socket.timeout) else 125)
    return 0


if __name__ == "__main__":
    sys.exit(main())
