// AVX-512 intrinsics where the build targets them (-march=native on a host with AVX-512F and
// DQ): defines LUTFHE_AVX512 to 1 and includes <immintrin.h>; elsewhere the callers' scalar
// paths are used. Include it only from .cpp files with vector kernels.
//
// GCC 12 reports its own _mm512_undefined_pd() placeholders inside these intrinsics as "may be
// used uninitialized" (a known false positive; nothing reads uninitialised data), so that
// warning is off in the translation units that include this header.
#pragma once

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#define LUTFHE_AVX512 1
#endif
