/* SwiftPM needs a source file to build a C target; the target exists only for its header. The definition comes
   from libclang_rt.fuzzer, linked by -sanitize=fuzzer. */
#include "CLibFuzzerDriver.h"
