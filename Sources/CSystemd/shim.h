// libsystemd for Swift: the daemon API (sd_notify, sd_listen_fds, sd_is_socket_unix, sd_watchdog_enabled) and the
// journal's sd_journal_sendv. Swift cannot call C variadics, so QInferBoard only uses the iovec and plain-string forms.
#ifndef QINFERD_CSYSTEMD_SHIM_H
#define QINFERD_CSYSTEMD_SHIM_H

// The journal header otherwise wraps sd_journal_sendv in a macro that stamps this header's own file and line;
// JournalLogHandler writes the caller's CODE_FILE/CODE_LINE/CODE_FUNC itself.
#define SD_JOURNAL_SUPPRESS_LOCATION 1

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/uio.h>

#endif
