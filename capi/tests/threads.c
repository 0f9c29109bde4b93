/* A program that uses only pthreads, for the README's static link with
 * -Wl,-u,__clone3: it names no symbol of freeclone's, so only that option makes the
 * linker take the archive's __clone3 for glibc's pthread_create. It starts and joins
 * THREADS threads and prints "threads: <n> joined". */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define THREADS 8

static void *run(void *arg) {
    return arg;
}

int main(void) {
    pthread_t threads[THREADS];
    int joined = 0;
    for (intptr_t i = 0; i < THREADS; i++) {
        if (pthread_create(&threads[i], NULL, run, (void *)i) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    for (intptr_t i = 0; i < THREADS; i++) {
        void *result;
        if (pthread_join(threads[i], &result) == 0 && result == (void *)i) {
            joined++;
        }
    }
    printf("threads: %d joined\n", joined);
    return joined == THREADS ? 0 : 1;
}
