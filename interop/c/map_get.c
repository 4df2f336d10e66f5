/*
 * map_get: look keys up in a live shm4j map (interop/c/shm4j_map.h).
 *
 *   map_get <name> get <key>               prints the value of a UTF-8 key as text, or ABSENT
 *   map_get <name> getlong <key>           the same for a long key (8 bytes little-endian), value in hex
 *   map_get <name> check <seconds> <keys>  looks up long keys 0..keys-1 and 1000..1000+keys-1 over and
 *                                          over, checks every value found is one whole value written by
 *                                          the interop test's writers, prints OK lookups=<n> hits=<n>
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shm4j_map.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* The interop test's values: key u64, generation u64, then bytes key*7 + gen*13 + i. */
static int whole(uint64_t key, const uint8_t *v, int64_t n) {
    uint64_t k, gen;
    if (n != 64) {
        return 0;
    }
    memcpy(&k, v, 8);
    memcpy(&gen, v + 8, 8);
    if (k != key) {
        return 0;
    }
    for (int i = 16; i < 64; i++) {
        if (v[i] != (uint8_t)(key * 7 + gen * 13 + (uint64_t)i)) {
            return 0;
        }
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: map_get <name> get <key> | getlong <key> | check <seconds> <keys>\n");
        return 2;
    }
    char path[512];
    snprintf(path, sizeof path, "/dev/shm/%s", argv[1]);
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0) {
        perror("open");
        return 3;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size <= 0) {
        fprintf(stderr, "cannot size %s\n", path);
        return 3;
    }
    void *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) {
        perror("mmap");
        return 3;
    }
    shm4j_map m;
    int rc = shm4j_map_attach(&m, base, (uint64_t)st.st_size);
    if (rc != 0) {
        fprintf(stderr, "not a usable map: rc=%d\n", rc);
        return 4;
    }
    uint8_t *value = malloc(m.max_value + 1);
    if (strcmp(argv[2], "get") == 0) {
        int64_t n = shm4j_map_get(&m, argv[3], strlen(argv[3]), value, m.max_value);
        if (n == SHM4J_MAP_ABSENT) {
            puts("ABSENT");
            return 0;
        }
        if (n < 0) {
            fprintf(stderr, "lookup failed: rc=%" PRId64 "\n", n);
            return 5;
        }
        printf("%.*s\n", (int)n, (const char *)value);
        return 0;
    }
    if (strcmp(argv[2], "getlong") == 0) {
        int64_t key = strtoll(argv[3], NULL, 10);
        int64_t n = shm4j_map_get(&m, &key, 8, value, m.max_value);
        if (n < 0) {
            puts(n == SHM4J_MAP_ABSENT ? "ABSENT" : "ERROR");
            return n == SHM4J_MAP_ABSENT ? 0 : 5;
        }
        for (int64_t i = 0; i < n; i++) {
            printf("%02x", value[i]);
        }
        putchar('\n');
        return 0;
    }
    if (strcmp(argv[2], "check") == 0 && argc >= 5) {
        double end = now() + atof(argv[3]);
        uint64_t keys = strtoull(argv[4], NULL, 10);
        uint64_t lookups = 0, hits = 0;
        while (now() < end) {
            for (uint64_t r = 0; r < 2; r++) {
                for (uint64_t k = r * 1000; k < r * 1000 + keys; k++) {
                    int64_t n = shm4j_map_get(&m, &k, 8, value, m.max_value);
                    lookups++;
                    if (n == SHM4J_MAP_ABSENT) {
                        continue;
                    }
                    if (n < 0) {
                        printf("ERROR key=%" PRIu64 " rc=%" PRId64 "\n", k, n);
                        return 6;
                    }
                    if (!whole(k, value, n)) {
                        printf("TORN key=%" PRIu64 " length=%" PRId64 "\n", k, n);
                        return 7;
                    }
                    hits++;
                }
            }
        }
        printf("OK lookups=%" PRIu64 " hits=%" PRIu64 "\n", lookups, hits);
        return 0;
    }
    fprintf(stderr, "unknown command %s\n", argv[2]);
    return 2;
}
