#!/usr/bin/env python3
"""Checks `journalctl -u qinferd.service -o json` (on stdin) for qinferd's structured fields.

    journal_check.py UID       exit 0 and one summary line, or exit 1 and what is missing

qinferd logs through sd_journal_sendv (Sources/QInferBoard/Systemd/JournalLogHandler.swift), so each of its entries
arrives over the native protocol (_TRANSPORT=journal) and carries MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=qinferd,
CODE_FILE/CODE_LINE/CODE_FUNC and LOGGER; journald adds the trusted _SYSTEMD_UNIT and _UID, which show the entry came
from the service, running as the qinferd user. An entry on the stdout stream (_TRANSPORT=stdout) means qinferd wrote
a plain stderr line instead, i.e. it did not recognize the journal: that fails. Lines that libraries write with
syslog(3) (_TRANSPORT=syslog, e.g. libdispatch's) are not qinferd's logger's; they are counted and shown, not judged.
"""
import json
import sys

WRITTEN = ("MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER")


def main():
    uid = sys.argv[1]
    entries = [json.loads(line) for line in sys.stdin if line.strip()]
    # Entries of the unit that qinferd itself wrote (systemd's own "Started …" lines have _PID 1 and no _COMM qinferd).
    process = [e for e in entries if e.get("_COMM") == "qinferd"]
    own = [e for e in process if e.get("_TRANSPORT") == "journal"]
    syslog = [e for e in process if e.get("_TRANSPORT") == "syslog"]
    problems = []
    if not own:
        problems.append(f"no native entry from qinferd among {len(entries)} of the unit")
    for e in process:
        if e.get("_TRANSPORT") not in ("journal", "syslog"):
            problems.append(f"{e.get('MESSAGE')!r} came by _TRANSPORT={e.get('_TRANSPORT')}, not the native protocol")
    for e in own:
        missing = [f for f in WRITTEN if f not in e]
        if missing:
            problems.append(f"{e.get('MESSAGE')!r} lacks {', '.join(missing)}")
        elif e["SYSLOG_IDENTIFIER"] != "qinferd" or not e["CODE_FILE"].endswith(".swift") or not e["CODE_LINE"].isdigit():
            problems.append(f"{e.get('MESSAGE')!r} has SYSLOG_IDENTIFIER={e['SYSLOG_IDENTIFIER']}, "
                            f"CODE_FILE={e['CODE_FILE']}, CODE_LINE={e['CODE_LINE']}")
        elif e.get("_SYSTEMD_UNIT") != "qinferd.service" or e.get("_UID") != uid:
            problems.append(f"{e.get('MESSAGE')!r} has _SYSTEMD_UNIT={e.get('_SYSTEMD_UNIT')}, _UID={e.get('_UID')} "
                            f"(expected qinferd.service, {uid})")
    listening = [e for e in own if str(e.get("MESSAGE", "")).startswith("listening on ")]
    if own and not listening:
        problems.append("no 'listening on …' entry")
    if problems:
        print("\n".join(problems[:10]))
        sys.exit(1)
    e = listening[-1]
    print(f"{len(own)} entries, all native; e.g. MESSAGE={e['MESSAGE']!r} PRIORITY={e['PRIORITY']} LOGGER={e['LOGGER']} "
          f"CODE_FILE={e['CODE_FILE'].rsplit('/', 1)[-1]}:{e['CODE_LINE']} CODE_FUNC={e['CODE_FUNC']} "
          f"_SYSTEMD_UNIT={e['_SYSTEMD_UNIT']} _UID={e['_UID']}"
          + (f"; {len(syslog)} line(s) by syslog(3) from a library, e.g. {syslog[0].get('MESSAGE')!r}" if syslog else ""))


if __name__ == "__main__":
    main()
