# SPDX-License-Identifier: GPL-3.0-or-later
"""A local HTTP receiver for tst_httpchannels: records each request as OUTDIR/N.json
(method, path with query, headers, body as text) and answers as its path asks:
/ok -> 200 {"errcode": 0, "errmsg": "ok"}; /feishu -> 200 {"code": 0, "msg": "success"};
/refuse -> 200 {"errcode": 310000, "errmsg": "sign not match"}; /down -> 503.

usage: httpreceiver.py PORT OUTDIR   (prints "ready" once listening)
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, outdir = int(sys.argv[1]), sys.argv[2]
counter = [0]
ANSWERS = {
    "/ok": (200, {"errcode": 0, "errmsg": "ok"}),
    "/feishu": (200, {"code": 0, "msg": "success"}),
    "/refuse": (200, {"errcode": 310000, "errmsg": "sign not match"}),
    "/down": (503, {"error": "down"}),
}


class Handler(BaseHTTPRequestHandler):
    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        counter[0] += 1
        record = {"method": self.command, "path": self.path,
                  "headers": {k.lower(): v for k, v in self.headers.items()},
                  "body": body.decode("utf-8")}
        tmp = os.path.join(outdir, "%d.json.tmp" % counter[0])
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(outdir, "%d.json" % counter[0]))
        status, answer = ANSWERS.get(self.path.split("?")[0], (200, {"errcode": 0}))
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_PUT = do_GET = handle_any

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("ready", flush=True)
server.serve_forever()
