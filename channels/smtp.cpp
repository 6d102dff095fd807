#include "channels/smtp.hpp"

#include <cstring>
#include <ctime>
#include <set>

#include "channels/curl_support.hpp"
#include "model/json_reader.hpp"

namespace baton::channels {

namespace {

const char* k_b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out.push_back(k_b64[(v >> s) & 63]);
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(k_b64[(v >> 18) & 63]);
    out.push_back(k_b64[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? k_b64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Header values cannot carry line breaks (header injection).
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

// RFC 2047 encoded words of at most 45 source bytes, split on UTF-8 character boundaries.
std::string encode_header(std::string_view value) {
  std::string v = one_line(value);
  if (is_ascii(v)) return v;
  std::string out;
  std::size_t start = 0;
  while (start < v.size()) {
    std::size_t end = std::min(v.size(), start + 45);
    while (end < v.size() && end > start + 1 && (static_cast<unsigned char>(v[end]) & 0xC0) == 0x80)
      --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(std::string_view(v).substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string rfc5322_date(time_us now) {
  std::time_t t = static_cast<std::time_t>(now / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// The body with CRLF line ends, and whether it can go as 7bit (ASCII, lines <= 998 bytes).
std::pair<std::string, bool> crlf_body(std::string_view body) {
  std::string out;
  bool seven_bit = is_ascii(body);
  std::size_t line = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') continue;
    if (c == '\n' || c == '\r') {
      out += "\r\n";
      line = 0;
      continue;
    }
    out.push_back(c);
    if (++line > 998) seven_bit = false;
  }
  return {out, seven_bit};
}

struct upload {
  const std::string* data;
  std::size_t at = 0;
};

std::size_t read_upload(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* u = static_cast<upload*>(user);
  std::size_t len = std::min(size * n, u->data->size() - u->at);
  std::memcpy(buf, u->data->data() + u->at, len);
  u->at += len;
  return len;
}

}  // namespace

std::string envelope_address(const std::string& from) {
  auto lt = from.rfind('<');
  auto gt = from.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt)
    return from.substr(lt + 1, gt - lt - 1);
  auto b = from.find_first_not_of(" \t");
  auto e = from.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : from.substr(b, e - b + 1);
}

std::string format_email(const message& m, const smtp_options& o, time_us now) {
  const std::string& from = m.from.empty() ? o.from : m.from;
  std::string id = one_line(m.message_id);
  auto [body, seven_bit] = crlf_body(m.body);
  std::string out;
  out += "From: " + one_line(from) + "\r\n";
  out += "To: <" + one_line(m.address) + ">\r\n";
  out += "Subject: " + encode_header(m.subject) + "\r\n";
  out += "Date: " + rfc5322_date(now) + "\r\n";
  out += "Message-ID: <" + id + "@" + one_line(o.message_id_domain) + ">\r\n";
  out += "X-Baton-Message-Id: " + id + "\r\n";
  out += "X-Baton-Campaign: " + one_line(m.campaign) + "; run=" + std::to_string(m.run) +
         "; activity=" + one_line(m.activity) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out +=
      std::string("Content-Type: ") + (m.html ? "text/html" : "text/plain") + "; charset=UTF-8\r\n";
  if (seven_bit) {
    out += "Content-Transfer-Encoding: 7bit\r\n\r\n" + body;
  } else {
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    std::string b = base64(body);
    for (std::size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

smtp_options parse_smtp_options(const nlohmann::json& entry, const std::string& pointer,
                                problems& out) {
  smtp_options o;
  json_reader r(entry, pointer, out);
  r.allow({"connector", "url", "tls", "verifyTls", "caFile", "username", "password", "from",
           "messageIdDomain", "timeoutSeconds"});
  if (auto url = r.string("url", true)) {
    if (url->rfind("smtp://", 0) != 0 && url->rfind("smtps://", 0) != 0)
      r.error("url", "expected smtp://HOST:PORT or smtps://HOST:PORT");
    o.url = *url;
  }
  if (auto tls = r.one_of("tls", {"none", "try", "starttls"}))
    o.tls = *tls == "none"  ? smtp_tls::none
            : *tls == "try" ? smtp_tls::try_tls
                            : smtp_tls::starttls;
  o.verify_tls = r.boolean("verifyTls").value_or(true);
  o.ca_file = r.string("caFile").value_or("");
  o.username = r.string("username").value_or("");
  o.password = r.string("password").value_or("");
  o.from = r.string("from").value_or("");
  o.message_id_domain = r.string("messageIdDomain").value_or(o.message_id_domain);
  o.timeout_seconds = r.integer("timeoutSeconds", 1, 3600).value_or(o.timeout_seconds);
  r.finish();
  return o;
}

struct smtp_connector::impl {
  detail::curl_ptr curl;
  char errbuf[CURL_ERROR_SIZE] = {};
};

smtp_connector::smtp_connector(smtp_options o, const baton::clock* clock)
    : p_(std::make_unique<impl>()), o_(std::move(o)), clock_(clock) {}

smtp_connector::~smtp_connector() = default;

std::vector<delivery_result> smtp_connector::send(const std::vector<message>& batch,
                                                  const send_hooks& hooks) {
  std::lock_guard lock(mu_);
  return send_each(batch, hooks,
                   [this](const message& m, bool& broken) { return send_one(m, broken); });
}

delivery_result smtp_connector::send_one(const message& m, bool& connection_broken) {
  delivery_result r{m.message_id, delivery_status::failed, false, false, {}};
  std::string sender = envelope_address(m.from.empty() ? o_.from : m.from);
  if (sender.empty()) {
    r.reason = "no sender: set the activity's `from` or the connector's `from`";
    return r;
  }
  if (!p_->curl) p_->curl = detail::make_curl();
  CURL* h = p_->curl.get();
  if (!h) {
    r.retryable = connection_broken = true;
    r.reason = "curl: cannot create a handle";
    return r;
  }
  time_us now = clock_ ? clock_->now() : baton::system_clock().now();
  std::string data = format_email(m, o_, now);
  upload up{&data};
  detail::slist_ptr rcpt(curl_slist_append(nullptr, ("<" + m.address + ">").c_str()));
  std::string mail_from = "<" + sender + ">";
  p_->errbuf[0] = 0;
  curl_easy_setopt(h, CURLOPT_URL, o_.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, p_->errbuf);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, o_.timeout_seconds);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, std::min(o_.timeout_seconds, 10L));
  curl_easy_setopt(h, CURLOPT_USE_SSL,
                   o_.tls == smtp_tls::starttls  ? CURLUSESSL_ALL
                   : o_.tls == smtp_tls::try_tls ? CURLUSESSL_TRY
                                                 : CURLUSESSL_NONE);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o_.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o_.verify_tls ? 2L : 0L);
  if (!o_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o_.ca_file.c_str());
  if (!o_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, o_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, o_.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &up);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  CURLcode code = curl_easy_perform(h);
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, nullptr);  // rcpt is freed below
  curl_easy_setopt(h, CURLOPT_READDATA, nullptr);
  if (code == CURLE_OK) {
    r.status = delivery_status::sent;
    return r;
  }
  r.reason = detail::curl_reason(code, p_->errbuf);
  if (reply >= 400) r.reason += " (SMTP " + std::to_string(reply) + ")";
  r.retryable = !(reply >= 500 && reply < 600);
  if (detail::is_connection_error(code)) {
    connection_broken = true;
    p_->curl.reset();  // start afresh next batch
  }
  return r;
}

}  // namespace baton::channels
