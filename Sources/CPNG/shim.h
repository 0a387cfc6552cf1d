// Swift-facing view of libpng's simplified API (png_image_*). The simplified API keeps libpng's
// setjmp/longjmp error handling inside C, so no longjmp ever crosses a Swift frame, and it has no
// variadic functions. The constants below are re-exported as functions because several of them are
// macro expressions that Swift's importer does not turn into constants.
#ifndef QINFER_CPNG_SHIM_H
#define QINFER_CPNG_SHIM_H

#include <png.h>

static inline png_uint_32 cpng_image_version(void) { return PNG_IMAGE_VERSION; }
static inline png_uint_32 cpng_format_gray(void) { return PNG_FORMAT_GRAY; }
static inline png_uint_32 cpng_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline png_uint_32 cpng_format_gray_alpha(void) { return PNG_FORMAT_GA; }
static inline png_uint_32 cpng_format_rgba(void) { return PNG_FORMAT_RGBA; }
static inline png_uint_32 cpng_format_flag_color(void) { return PNG_FORMAT_FLAG_COLOR; }
static inline png_uint_32 cpng_format_flag_linear(void) { return PNG_FORMAT_FLAG_LINEAR; }
static inline png_uint_32 cpng_image_flag_16bit_srgb(void) { return PNG_IMAGE_FLAG_16BIT_sRGB; }

#endif
