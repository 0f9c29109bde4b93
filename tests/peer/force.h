/* The peer tier's only glue of its own, forced into every compilation of glibc's tests
 * and of its support/ driver (gcc -include): what glibc's build system would have
 * provided. The other headers the tests need outside glibc's build (array_length.h,
 * intprops.h, libc-diag.h, libc-pointer-arith.h, scratch_buffer.h, stackinfo.h,
 * tst-stack-align.h) are glibc's own, copied unmodified from the same source tree
 * (include/ and the architecture's sysdeps/ directories). */
#define _GNU_SOURCE 1
/* glibc's internal cdefs (include/sys/cdefs.h) */
#ifndef __attribute_optimization_barrier__
# define __attribute_optimization_barrier__ __attribute__ ((__noinline__, __noclone__))
#endif
/* libc-symbols.h: symbol aliases inside libc, nothing for a program */
#define libc_hidden_proto(name)
/* config.h: the test driver scales its timeouts by it */
#define TIMEOUTFACTOR 1
/* glibc's internal headers pull <limits.h> in (support/temp_file.c uses NAME_MAX) */
#include <limits.h>
