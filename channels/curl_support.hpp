// libcurl plumbing shared by the SMTP and webhook connectors (internal to channels/): one-time
// global initialisation and an owned easy handle, which keeps its connection open between
// transfers so consecutive messages reuse it.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace baton::channels::detail {

// curl_global_init once per process (thread-safe).
void init_curl();

struct curl_deleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using curl_ptr = std::unique_ptr<CURL, curl_deleter>;

struct slist_deleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using slist_ptr = std::unique_ptr<curl_slist, slist_deleter>;

// A new easy handle (nullptr only when libcurl cannot allocate one).
curl_ptr make_curl();

// True for errors where nothing reached the server or the connection broke: the rest of a batch
// would fail the same way, so it is failed at once instead of waiting for each timeout.
bool is_connection_error(CURLcode code);

// "curl: <error buffer or curl_easy_strerror>".
std::string curl_reason(CURLcode code, const char* errbuf);

}  // namespace baton::channels::detail
