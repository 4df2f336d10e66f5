/* Opening a ring by name and the test payload shared by the interop programs. */
#ifndef RING_COMMON_H
#define RING_COMMON_H

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include "shm4j_ring.h"

/* Maps /dev/shm/<name> read-write and attaches; exits with a message on failure. */
static inline void *open_ring(const char *name, shm4j_ring *ring, size_t *size) {
    char path[512];
    snprintf(path, sizeof path, "/dev/shm/%s", name);
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) { perror(path); exit(2); }
    struct stat st;
    if (fstat(fd, &st) != 0) { perror("fstat"); exit(2); }
    *size = (size_t)st.st_size;
    void *base = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) { perror("mmap"); exit(2); }
    int rc = shm4j_ring_attach(ring, base, *size);
    if (rc != SHM4J_OK) { fprintf(stderr, "attach failed: rc=%d\n", rc); exit(3); }
    return base;
}

/* Test payload i: u64 sequence, then bytes (seq + j) & 0xff; length 8 + (seq * 7) % 300. */
static inline uint32_t payload_length(uint64_t seq) { return 8 + (uint32_t)((seq * 7) % 300); }

static inline void fill_payload(uint8_t *p, uint64_t seq) {
    uint32_t n = payload_length(seq);
    memcpy(p, &seq, 8);
    for (uint32_t j = 8; j < n; j++) p[j] = (uint8_t)(seq + j);
}

static inline int check_payload(const uint8_t *p, uint32_t n, uint64_t seq) {
    uint64_t got;
    if (n != payload_length(seq)) return 0;
    memcpy(&got, p, 8);
    if (got != seq) return 0;
    for (uint32_t j = 8; j < n; j++) if (p[j] != (uint8_t)(seq + j)) return 0;
    return 1;
}

static inline void pause_briefly(void) {
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
}

#endif
