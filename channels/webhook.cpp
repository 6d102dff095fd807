#include "channels/webhook.hpp"

#include <set>

#include "channels/curl_support.hpp"
#include "model/json_reader.hpp"

namespace baton::channels {

namespace {

std::size_t keep_reply(char* data, std::size_t size, std::size_t n, void* user) {
  auto* s = static_cast<std::string*>(user);
  if (s->size() < 512) s->append(data, std::min(size * n, 512 - s->size()));
  return size * n;
}

bool retryable_status(long status) {
  return status == 408 || status == 425 || status == 429 || status >= 500;
}

}  // namespace

webhook_options parse_webhook_options(const nlohmann::json& entry, const std::string& pointer,
                                      problems& out) {
  webhook_options o;
  json_reader r(entry, pointer, out);
  r.allow({"connector", "url", "timeoutSeconds", "verifyTls", "caFile", "headers"});
  if (auto url = r.string("url", true)) {
    if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
      r.error("url", "expected an http:// or https:// URL");
    o.url = *url;
  }
  o.timeout_seconds = r.integer("timeoutSeconds", 1, 3600).value_or(o.timeout_seconds);
  o.verify_tls = r.boolean("verifyTls").value_or(true);
  o.ca_file = r.string("caFile").value_or("");
  if (const auto* h = r.object("headers")) {
    for (const auto& [name, value] : h->items()) {
      std::string p = pointer_append(r.at("headers"), name);
      bool bad_name = name.empty() || name.find_first_of(":\r\n ") != std::string::npos;
      if (bad_name || !value.is_string() ||
          value.get<std::string>().find_first_of("\r\n") != std::string::npos)
        add_error(out, p, "expected a header name and a one-line string value");
      else
        o.headers[name] = value.get<std::string>();
    }
  }
  r.finish();
  return o;
}

struct webhook_connector::impl {
  detail::curl_ptr curl;
  char errbuf[CURL_ERROR_SIZE] = {};
};

webhook_connector::webhook_connector(webhook_options o)
    : p_(std::make_unique<impl>()), o_(std::move(o)) {}

webhook_connector::~webhook_connector() = default;

std::vector<delivery_result> webhook_connector::send(const std::vector<message>& batch,
                                                     const send_hooks& hooks) {
  std::lock_guard lock(mu_);
  return send_each(batch, hooks,
                   [this](const message& m, bool& broken) { return post(m, broken); });
}

delivery_result webhook_connector::post(const message& m, bool& connection_broken) {
  delivery_result r{m.message_id, delivery_status::failed, false, false, {}};
  if (!p_->curl) p_->curl = detail::make_curl();
  CURL* h = p_->curl.get();
  if (!h) {
    r.retryable = connection_broken = true;
    r.reason = "curl: cannot create a handle";
    return r;
  }
  std::string body = json_line(m);
  curl_slist* raw = curl_slist_append(nullptr, "Content-Type: application/json");
  raw = curl_slist_append(raw, ("Idempotency-Key: " + m.message_id).c_str());
  raw = curl_slist_append(raw, "Expect:");  // no 100-continue round trip
  for (const auto& [name, value] : o_.headers)
    raw = curl_slist_append(raw, (name + ": " + value).c_str());
  detail::slist_ptr headers(raw);
  std::string reply;
  p_->errbuf[0] = 0;
  curl_easy_setopt(h, CURLOPT_URL, o_.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, p_->errbuf);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, o_.timeout_seconds);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, std::min(o_.timeout_seconds, 10L));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o_.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o_.verify_tls ? 2L : 0L);
  if (!o_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o_.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_USERAGENT, "baton-webhook/1");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_reply);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
  CURLcode code = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);  // freed below
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, nullptr);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, nullptr);
  if (code != CURLE_OK) {
    r.retryable = true;
    r.reason = detail::curl_reason(code, p_->errbuf);
    if (detail::is_connection_error(code)) {
      connection_broken = true;
      p_->curl.reset();
    }
    return r;
  }
  if ((status >= 200 && status < 300) || status == 409) {
    r.status = delivery_status::sent;
    r.repeated = status == 409;
    return r;
  }
  r.retryable = retryable_status(status);
  for (char& c : reply)
    if (c == '\r' || c == '\n') c = ' ';
  r.reason = "HTTP " + std::to_string(status) + (reply.empty() ? "" : ": " + reply);
  return r;
}

}  // namespace baton::channels
