#!/usr/bin/env python3
# A small SMTP server for crash tests (stdlib only): accepts every message, except that the end
# of DATA of a message to an address listed in HOLD_FILE (one per line, re-read while waiting)
# gets no answer while the address is listed — the sender waits with the message in doubt.
# Appends one line per event to LOG: "accepted MESSAGE_ID ADDRESS" once it answered 250,
# "held MESSAGE_ID ADDRESS" when it starts holding. Usage: hold_smtp.py PORT LOG HOLD_FILE
import os
import socket
import sys
import threading
import time

port, log_path, hold_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
log_lock = threading.Lock()


def log(line):
    with log_lock, open(log_path, "a") as f:
        f.write(line + "\n")
        f.flush()


def held(address):
    try:
        with open(hold_path) as f:
            return address in {l.strip() for l in f}
    except OSError:
        return False


def serve(conn):
    f = conn.makefile("rb")
    send = lambda s: conn.sendall((s + "\r\n").encode())
    send("220 hold-smtp ready")
    rcpt = ""
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.decode(errors="replace").strip()
        verb = cmd.split(" ")[0].upper()
        if verb in ("EHLO", "HELO"):
            send("250-hold-smtp")
            send("250 8BITMIME")
        elif verb == "MAIL":
            rcpt = ""
            send("250 ok")
        elif verb == "RCPT":
            rcpt = cmd.split(":", 1)[1].strip().strip("<>").split(">")[0]
            send("250 ok")
        elif verb == "DATA":
            send("354 go on")
            mid = ""
            while True:
                l = f.readline()
                if not l:
                    return
                t = l.decode(errors="replace").rstrip("\r\n")
                if t == ".":
                    break
                if t.lower().startswith("x-baton-message-id:"):
                    mid = t.split(":", 1)[1].strip()
            if held(rcpt):
                log("held %s %s" % (mid, rcpt))
                conn.settimeout(0.05)
                while held(rcpt):
                    try:  # the sender gone (killed): stop holding
                        if conn.recv(1, socket.MSG_PEEK) == b"":
                            return
                    except socket.timeout:
                        pass
                    except OSError:
                        return
                conn.settimeout(None)
            send("250 queued")
            log("accepted %s %s" % (mid, rcpt))
        elif verb == "QUIT":
            send("221 bye")
            return
        else:
            send("250 ok")


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
while True:
    c, _ = srv.accept()
    threading.Thread(target=lambda c=c: (serve(c), c.close()), daemon=True).start()
