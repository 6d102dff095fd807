// A channel task's record of what it handed to a server and what the server answered, written
// as it happens — one write(2) per line, no fsync: it survives the process being killed (kill -9,
// a crash), not the machine losing power. A resumed send reads it to skip what a server already
// accepted and to count what was in doubt (handed over, no answer recorded).
#pragma once

#include <set>
#include <string>

#include "events/result.hpp"

namespace baton::channels {

class send_journal {
 public:
  // What a journal file holds. An id handed over without a recorded answer is `in_doubt`; an
  // id whose last answer was a refusal that a retry may mend is in none of the sets.
  struct contents {
    std::set<std::string> accepted, refused, in_doubt;
  };
  // Reads PATH; a missing file is empty. A torn last line (no newline) is ignored.
  static result<contents> read(const std::string& path);

  send_journal() = default;
  ~send_journal();
  send_journal(send_journal&& o) noexcept;
  send_journal& operator=(send_journal&& o) noexcept;
  send_journal(const send_journal&) = delete;
  send_journal& operator=(const send_journal&) = delete;

  // Opens PATH for appending (creating it and its directory).
  static result<send_journal> open(const std::string& path);
  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  // "> id": the message goes to the server now. "+ id": accepted. "- id": refused for good.
  // "x id": refused or lost in a way a retry may mend (not accepted). Errors are returned; a
  // caller that cannot record must not hand the message over.
  status handing_over(const std::string& id) { return line('>', id); }
  status accepted(const std::string& id) { return line('+', id); }
  status refused(const std::string& id) { return line('-', id); }
  status not_accepted(const std::string& id) { return line('x', id); }
  // Empties the file: everything in it is now durable elsewhere (the deliveries table and the
  // task's delivery_progress event).
  status clear();
  // Removes the file (the send is over).
  static void remove(const std::string& path);

 private:
  status line(char kind, const std::string& id);
  int fd_ = -1;
  std::string path_;
};

}  // namespace baton::channels
