#include "channels/smtp.hpp"

#include <cstring>

#include "channels/curl_support.hpp"
#include "channels/send_lanes.hpp"
#include "model/json_reader.hpp"

namespace baton::channels {

namespace {

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

mail_defaults mail_defaults_of(const smtp_options& o) {
  return mail_defaults{o.from, o.message_id_domain};
}

smtp_options parse_smtp_options(const nlohmann::json& entry, const std::string& pointer,
                                problems& out) {
  smtp_options o;
  json_reader r(entry, pointer, out);
  r.allow({"connector", "url", "tls", "verifyTls", "caFile", "username", "password", "from",
           "messageIdDomain", "timeoutSeconds", "connections"});
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
  o.connections = static_cast<int>(r.integer("connections", 1, 16).value_or(o.connections));
  r.finish();
  return o;
}

struct smtp_connector::lane {
  detail::curl_ptr curl;
  char errbuf[CURL_ERROR_SIZE] = {};
};

struct smtp_connector::impl {
  std::vector<lane> lanes;
};

smtp_connector::smtp_connector(smtp_options o, const baton::clock* clock)
    : p_(std::make_unique<impl>()), o_(std::move(o)), clock_(clock) {
  p_->lanes = std::vector<lane>(static_cast<std::size_t>(std::max(1, o_.connections)));
}

smtp_connector::~smtp_connector() = default;

std::vector<delivery_result> smtp_connector::send(const std::vector<message>& batch,
                                                  const send_hooks& hooks) {
  std::lock_guard lock(mu_);
  return send_in_lanes(batch, hooks, p_->lanes.size(),
                       [this](std::size_t lane, const message& m, bool& broken) {
                         return send_one(m, p_->lanes[lane], broken);
                       });
}

delivery_result smtp_connector::send_one(const message& m, lane& l, bool& connection_broken) {
  delivery_result r{m.message_id, delivery_status::failed, false, false, {}};
  std::string sender = envelope_address(m.from.empty() ? o_.from : m.from);
  if (sender.empty()) {
    r.reason = "no sender: set the activity's `from` or the connector's `from`";
    return r;
  }
  if (!l.curl) l.curl = detail::make_curl();
  CURL* h = l.curl.get();
  if (!h) {
    r.retryable = connection_broken = true;
    r.reason = "curl: cannot create a handle";
    return r;
  }
  time_us now = clock_ ? clock_->now() : baton::system_clock().now();
  std::string data = format_email(m, mail_defaults_of(o_), now);
  upload up{&data};
  detail::slist_ptr rcpt(curl_slist_append(nullptr, ("<" + m.address + ">").c_str()));
  std::string mail_from = "<" + sender + ">";
  l.errbuf[0] = 0;
  curl_easy_setopt(h, CURLOPT_URL, o_.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, l.errbuf);
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
  r.reason = detail::curl_reason(code, l.errbuf);
  if (reply >= 400) r.reason += " (SMTP " + std::to_string(reply) + ")";
  r.retryable = !(reply >= 500 && reply < 600);
  if (detail::is_connection_error(code)) {
    connection_broken = true;
    l.curl.reset();  // start afresh next batch
  }
  return r;
}

}  // namespace baton::channels
