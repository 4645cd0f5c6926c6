// Where a report goes: a file, written so that nobody ever sees half of it, or standard output.
//
// A report path is replaced atomically: the text goes to a temporary file in the target's own
// directory (same filesystem, so rename(2) is atomic), is fsync'ed, then renamed over the
// target. A reader sees the old report or the new one, never an empty or truncated file, and a
// run killed before the rename leaves the old report as it was (and at most a hidden
// ".NAME.nsleak-XXXXXX" beside it; SIGINT, SIGTERM and SIGHUP are held off while it exists).
// A target that exists and is not a regular file (/dev/full, a FIFO, a terminal) is written in
// place: it cannot be replaced, and it is what the user named.
//
// "-" is standard output. Every write or close error, standard output's included, is exit 2
// with one line naming the path and the errno: nothing exits 0 when a report was not written.
//
// A report is text or a writer that streams it (a large report, --events' 700,000 lines, is
// written a piece at a time into the temporary file, never held whole in memory).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace nsleak::cli {

inline constexpr std::string_view kStdoutPath = "-";

// Streams a report's text; what it writes goes to the temporary file (or standard output).
using ReportWriter = std::function<void(std::ostream&)>;

// Writes `text` (or what `write` streams) to `path` as above. Returns kOk, or kBadInput after
// one line on stderr: "nsleak: cannot write <what> to <path>: <strerror>".
int write_report(const std::string& path, std::string_view text, std::string_view what);
int write_report(const std::string& path, const ReportWriter& write, std::string_view what);

inline constexpr std::uintmax_t kAllOfIt = std::numeric_limits<std::uintmax_t>::max();

// The same for a report that accumulates (--events): the first `keep` bytes of the target's
// current contents, if any (all of them by default), followed by what `write` streams,
// replaced atomically as one file.
int append_report(const std::string& path, const ReportWriter& write, std::string_view what,
                  std::uintmax_t keep = kAllOfIt);

// A command whose report outputs include "-" gives standard output to that report: its own
// human-readable text (the story, the per-run lines, the summary) goes to stderr instead, so
// stdout carries exactly one machine-readable document. Throws rt::BadInput when two outputs,
// or an output and `stdout_taken_by` (e.g. "--format json"), both name "-".
// `outputs` are (option name, path) pairs.
void claim_stdout(const std::vector<std::pair<std::string_view, const std::string*>>& outputs,
                  std::string_view stdout_taken_by = {});

// At start-up: a standard fd that is closed (0, 1 or 2) is reserved, so that no report file
// opened later lands on it and no output to it succeeds silently (fd 1 and 2 are reserved on
// a read-only /dev/null, so writes there fail with EBADF).
void reserve_standard_fds();

// At exit: flushes standard output. A write error (/dev/full, a closed stdout, a full disk) is
// kBadInput with one line on stderr; kOk otherwise.
int finish_stdout();

}  // namespace nsleak::cli
