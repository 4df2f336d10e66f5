/*
 * A C peer for SharedMutexCInteropTest.
 *   shm4j_mutex_peer NAME ROUNDS   lock, increment the u64 at byte 64, unlock, ROUNDS times
 *   shm4j_mutex_peer NAME hold     lock, print LOCKED, sleep until killed
 * The segment NAME (in /dev/shm) holds a mutex at offset 0, built by the Java side.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "shm4j_mutex.h"

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s NAME ROUNDS|hold\n", argv[0]); return 64; }
    char path[300];
    snprintf(path, sizeof path, "/dev/shm/%s", argv[1]);
    int fd = open(path, O_RDWR | O_NOFOLLOW);
    if (fd < 0) { perror("open"); return 2; }
    void *base = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) { perror("mmap"); return 2; }
    struct shm4j_mutex *m = base;
    if (__atomic_load_n(&m->magic, __ATOMIC_ACQUIRE) != SHM4J_MAGIC || m->version != SHM4J_VERSION
            || m->type != SHM4J_TYPE_MUTEX) {
        fprintf(stderr, "not a shm4j mutex\n");
        return 3;
    }
    volatile uint64_t *counter = (uint64_t *)((char *)base + 64);
    if (strcmp(argv[2], "hold") == 0) {
        int rc = shm4j_mutex_lock(m);
        printf("LOCKED %d\n", rc);
        fflush(stdout);
        for (;;) pause();
    }
    long rounds = atol(argv[2]);
    printf("READY\n");
    fflush(stdout);
    int died = 0;
    for (long i = 0; i < rounds; i++) {
        int rc = shm4j_mutex_lock(m);
        if (rc == EOWNERDEAD) { died++; shm4j_mutex_consistent(m); }
        else if (rc != 0) { fprintf(stderr, "lock failed: %d\n", rc); return 4; }
        *counter = *counter + 1;
        shm4j_mutex_unlock(m);
    }
    printf("DONE died=%d\n", died);
    return 0;
}
