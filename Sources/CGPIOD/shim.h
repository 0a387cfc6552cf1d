// libgpiod 1.6 (the v1 API Debian bookworm ships) for Swift: chips, lines, requests and edge events.
// QInferBoard's GPIO/ backend is the only user; a v2 backend would get its own module.
#ifndef QINFERD_CGPIOD_SHIM_H
#define QINFERD_CGPIOD_SHIM_H

#include <gpiod.h>

#endif
