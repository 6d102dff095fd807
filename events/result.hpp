// Errors as values, shared by every layer: `result<T>` holds a T or an `error`.
// An error has a kind (which maps to a CLI exit code and an API error type), a place and a message.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace baton {

enum class errc {
  failed = 1,       // the operation ran and failed (I/O, a run that failed, ...)
  validation = 2,   // bad input: usage, an invalid campaign, a bad value
  refused = 3,      // refused by the lifecycle or by permissions
  not_found = 4,    // no such campaign, stream, entity, ...
  unavailable = 5,  // data dir locked or unreachable
  integrity = 6,    // corrupt or tampered log
  conflict = 7,     // optimistic-concurrency conflict (expected version mismatch)
  timeout = 8,      // no answer in the time allowed; the operation may still be going on
};

const char* to_string(errc code);

// Exit code for the CLI tools (INTERFACES.md §1): conflict maps to 3 (the command was refused by
// the state it met), timeout to 7.
inline int exit_code(errc code) {
  if (code == errc::conflict) return 3;
  if (code == errc::timeout) return 7;
  return static_cast<int>(code);
}

struct error {
  errc code = errc::failed;
  std::string where;  // a JSON pointer, a file:line, a stream name, ... (may be empty)
  std::string what;   // what went wrong, in words a user can act on

  // "error: <where>: <what>" as the CLI prints it (without the "error: " prefix).
  std::string message() const { return where.empty() ? what : where + ": " + what; }
};

inline error make_error(errc code, std::string where, std::string what) {
  return error{code, std::move(where), std::move(what)};
}

template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}
  result(error e) : v_(std::move(e)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  const baton::error& err() const { return std::get<1>(v_); }

 private:
  std::variant<T, baton::error> v_;
};

// For operations with nothing to return.
struct ok_t {};
using status = result<ok_t>;
inline status ok_status() {
  return ok_t{};
}

}  // namespace baton
