# SPDX-License-Identifier: GPL-3.0-or-later
"""A real SMTP server for tst_email (Debian python3-aiosmtpd): STARTTLS with the test's
self-signed certificate, AUTH (PLAIN and LOGIN) required and only over TLS. Each accepted mail
is parsed with Python's own email package and written as OUTDIR/N.json, with the raw bytes as
N.eml, so the test checks what a mail client would read.

With MODE "implicit-login" it speaks TLS from the first byte instead (implicit TLS, as on
port 465) and offers AUTH LOGIN only.

usage: smtpserver.py PORT CERT KEY OUTDIR USER PASSWORD [MODE]
"""
import json
import os
import ssl
import sys
import time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

port, cert, key, outdir, user, password = sys.argv[1:7]
mode = sys.argv[7] if len(sys.argv) > 7 else "starttls"
counter = [0]


class Handler:
    async def handle_DATA(self, server, session, envelope):
        counter[0] += 1
        n = counter[0]
        with open(os.path.join(outdir, f"{n}.eml"), "wb") as f:
            f.write(envelope.original_content or envelope.content)
        mail = message_from_bytes(envelope.original_content or envelope.content,
                                  policy=policy.default)
        parts = {}
        for part in mail.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = part.get_content()
        summary = {
            "login": getattr(session, "baton_login", ""),
            "mechanism": getattr(session, "baton_mechanism", ""),
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(mail["From"]),
            "to": str(mail["To"]),
            "subject": str(mail["Subject"]),
            "message_id": str(mail["Message-ID"]),
            "in_reply_to": str(mail["In-Reply-To"]),
            "references": str(mail["References"]),
            "content_type": mail.get_content_type(),
            "text": parts.get("text/plain", ""),
            "html": parts.get("text/html", ""),
        }
        tmp = os.path.join(outdir, f"{n}.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(summary, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(outdir, f"{n}.json"))
        return "250 OK queued as test-%d" % n


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login.decode() == user and auth_data.password.decode() == password
    session.baton_mechanism = mechanism
    session.baton_login = auth_data.login.decode() if ok else ""
    return AuthResult(success=ok)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
if mode == "implicit-login":
    controller = Controller(Handler(), hostname="127.0.0.1", port=int(port), ssl_context=context,
                            authenticator=authenticator, auth_required=True,
                            auth_require_tls=False, auth_exclude_mechanism=["PLAIN"])
else:
    controller = Controller(Handler(), hostname="127.0.0.1", port=int(port), tls_context=context,
                            require_starttls=True, authenticator=authenticator,
                            auth_required=True, auth_require_tls=True)
controller.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    pass
finally:
    controller.stop()
