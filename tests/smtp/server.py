"""A real SMTP server for the tests (aiosmtpd), on loopback.

Records every accepted message as one JSON line in --log: envelope sender,
recipients, Message-ID and attachment file names. Behaviours the tests need:
  --fail-first N      answer 421 to the first N messages (then accept)
  --reject RCPT       answer 550 to RCPT TO for this address
  --tempfail RCPT     answer 450 to RCPT TO for this address (transient)
  --slow-mail-at N S  sleep S seconds in MAIL FROM of the N-th transaction (1-based)
  --tls-cert/--tls-key  offer STARTTLS and require it before MAIL
Writes "ready" to --ready when listening.
"""
import argparse
import asyncio
import email
import json
import ssl
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, args):
        self.args = args
        self.data_count = 0
        self.mail_count = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_count += 1
        if self.args.slow_mail_at and self.mail_count == self.args.slow_mail_at[0]:
            await asyncio.sleep(self.args.slow_mail_at[1])
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.reject and address.lower() == self.args.reject.lower():
            return "550 5.1.1 No such user here"
        if self.args.tempfail and address.lower() == self.args.tempfail.lower():
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_count += 1
        if self.data_count <= self.args.fail_first:
            return "421 4.3.2 Try again later"
        msg = email.message_from_bytes(envelope.content)
        attachments = [p.get_filename() for p in msg.walk() if p.get_filename()]
        types = [p.get_content_type() for p in msg.walk() if p.get_filename()]
        texts = [p.get_payload(decode=True).decode("utf-8", "replace") for p in msg.walk()
                 if p.get_content_type() == "text/plain" and not p.get_filename()]
        record = {
            "from": envelope.mail_from,
            "to": sorted(envelope.rcpt_tos),
            "message_id": msg.get("Message-ID"),
            "subject": str(msg.get("Subject")),
            "to_header": str(msg.get("To") or ""),
            "cc_header": str(msg.get("Cc") or ""),
            "attachments": attachments,
            "text": "".join(texts),
            "types": types,
            "tls": session.ssl is not None,
            "time": time.time(),
        }
        with open(self.args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 OK Message accepted"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--reject")
    p.add_argument("--tempfail")
    p.add_argument("--slow-mail-at", type=float, nargs=2)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    args = p.parse_args()
    if args.slow_mail_at:
        args.slow_mail_at = (int(args.slow_mail_at[0]), args.slow_mail_at[1])
    kwargs = {}
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs = {"tls_context": ctx, "require_starttls": True}
    controller = Controller(Handler(args), hostname="127.0.0.1", port=args.port, **kwargs)
    controller.start()
    with open(args.ready, "w") as f:
        f.write("ready")
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
