// The RFC 5322 / MIME text of an email — what the SMTP connector sends. multipart/alternative
// (text, then HTML) when the message has HTML; RFC 2047 encoded words (UTF-8) for non-ASCII
// header text; UTF-8 bodies as 7bit when they can be, quoted-printable otherwise; CRLF line
// ends; no line over 998 bytes, header lines folded at 78 where they have spaces. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "channels/message.hpp"
#include "events/clock.hpp"

namespace baton::channels {

struct mail_defaults {
  std::string from;                                 // the From of messages without one
  std::string message_id_domain = "baton.invalid";  // Message-ID: <message_id@domain>
};

// The whole message: From, To, Subject, Date, Message-ID, X-Baton-Message-Id, X-Baton-Campaign,
// the message's own `headers` (List-Unsubscribe...), MIME-Version, then the body part(s).
// Header values lose CR/LF (no header injection). Ends with CRLF.
std::string format_email(const message& m, const mail_defaults& d, time_us now);

// The bare address of "Name <a@b.c>" or "a@b.c" (the SMTP envelope sender).
std::string envelope_address(const std::string& from);

// A mailbox for From: "Name <a@b.c>" with the display name kept as it is when it is plain
// ASCII, quoted when it holds specials (`,` `.` `"` ...), as encoded words when not ASCII.
std::string format_mailbox(std::string_view from);

// An unstructured header value (Subject, extra headers) after "Name: " of `name_size`
// characters: as it is (folded at spaces) when it is ASCII, else RFC 2047 B-encoded UTF-8
// words of at most 75 characters, one per folded line, split on character boundaries.
std::string encode_unstructured(std::string_view value, std::size_t name_size);

// The body with CRLF line ends in quoted-printable (RFC 2045 §6.7): lines of at most 76
// characters with soft breaks, `=`, 8-bit and control bytes and trailing spaces encoded.
std::string quoted_printable(std::string_view body);

// "Thu, 01 Jan 2026 00:00:00 +0000".
std::string rfc5322_date(time_us now);

}  // namespace baton::channels
