#!/usr/bin/python3
"""Reads mail files the way a mail client would, with Python's own email package (not Baton's
code), and prints what it found as JSON for tests/channels/mime_test.cpp to compare with what
was sent.

usage: mime_check.py FILE_OR_DIR...   (a directory: every regular file under it, e.g. a Maildir)

For each message: its decoded headers, From's display name and address, every leaf part
(content type, charset, transfer encoding, decoded text), the parser's defects, the longest
line and whether every line ended with CRLF in the file (a Maildir stores LF: reported as is).
"""
import email
import email.policy
import json
import os
import sys


def files(args):
    for a in args:
        if os.path.isdir(a):
            for root, _, names in os.walk(a):
                for n in sorted(names):
                    yield os.path.join(root, n)
        else:
            yield a


def header(msg, name):
    v = msg.get(name)
    return None if v is None else str(v)


def describe(path):
    raw = open(path, 'rb').read()
    # smtp-sink's dump starts with its own X-* lines before the message: they parse as headers.
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = [type(d).__name__ for d in msg.defects]
    parts = []
    for part in msg.walk():
        defects += [type(d).__name__ for d in part.defects]
        if part.is_multipart():
            continue
        parts.append({
            'type': part.get_content_type(),
            'charset': part.get_content_charset(),
            'encoding': part.get('Content-Transfer-Encoding'),
            'text': part.get_content(),
        })
    frm = msg['From']
    sender = frm.addresses[0] if frm is not None and frm.addresses else None
    lines = raw.split(b'\n')
    return {
        'file': path,
        'content_type': msg.get_content_type(),
        'subject': header(msg, 'Subject'),
        'from_name': sender.display_name if sender else None,
        'from_address': sender.addr_spec if sender else None,
        'to': header(msg, 'To'),
        'date': header(msg, 'Date'),
        'message_id': header(msg, 'Message-ID'),
        'baton_id': header(msg, 'X-Baton-Message-Id'),
        'mime_version': header(msg, 'MIME-Version'),
        'list_unsubscribe': header(msg, 'List-Unsubscribe'),
        'list_unsubscribe_post': header(msg, 'List-Unsubscribe-Post'),
        'parts': parts,
        'defects': defects,
        'longest_line': max(len(line.rstrip(b'\r')) for line in lines),
        'crlf': all(line.endswith(b'\r') for line in lines[:-1]),
        'ascii': all(b < 128 for b in raw),
    }


if __name__ == '__main__':
    json.dump([describe(p) for p in files(sys.argv[1:])], sys.stdout, ensure_ascii=False)
    sys.stdout.write('\n')
